import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/*
 * The agent's own DynamoDB client, with a time limit per request: the shared client in
 * src/aws has none, and an agent whose heartbeat hangs on a dead connection looks dead.
 * Endpoint and credentials come from the SDK's chain (instance profile on EC2;
 * AWS_ENDPOINT_URL_DYNAMODB for DynamoDB Local).
 */
export function agentDynamoDbClients(region: string, timeoutMs: number): { client: DynamoDBClient; documents: DynamoDBDocumentClient } {
  const client = new DynamoDBClient({
    region,
    // One retry inside the SDK for a dropped connection; the agent's loops retry on their own rhythm.
    maxAttempts: 2,
    requestHandler: new NodeHttpHandler({ connectionTimeout: timeoutMs, requestTimeout: timeoutMs, throwOnRequestTimeout: true }),
  });
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  return { client, documents };
}
