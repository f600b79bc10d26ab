import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/*
 * One DynamoDB client per region for the whole process, so connections are reused across
 * calls (and across warm Lambda invocations). Endpoint and credentials come from the SDK's
 * standard chain: AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL point it at DynamoDB Local.
 */

const clients = new Map<string, DynamoDBClient>();
const documentClients = new Map<string, DynamoDBDocumentClient>();

/** The region the environment names, else `fallback` (the config's region). */
export function regionFromEnvironment(fallback: string): string {
  return process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || fallback;
}

export function dynamoDbClient(region: string): DynamoDBClient {
  let client = clients.get(region);
  if (!client) {
    client = new DynamoDBClient({ region });
    clients.set(region, client);
  }
  return client;
}

export function dynamoDbDocumentClient(region: string): DynamoDBDocumentClient {
  let documents = documentClients.get(region);
  if (!documents) {
    documents = DynamoDBDocumentClient.from(dynamoDbClient(region), {
      // Optional model fields are often undefined; DynamoDB has no such value, so drop them.
      marshallOptions: { removeUndefinedValues: true },
    });
    documentClients.set(region, documents);
  }
  return documents;
}
