import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDynamoDbClient, documentClientFor } from '../aws/dynamodb/client';

/*
 * The agent's own DynamoDB client, bounded by the agent config's `dynamoDbTimeoutSeconds`: an
 * agent whose heartbeat hangs on a dead connection looks dead. Endpoint and credentials come
 * from the SDK's chain (instance profile on EC2; AWS_ENDPOINT_URL_DYNAMODB for DynamoDB Local).
 */
export function agentDynamoDbClients(region: string, timeoutMs: number): { client: DynamoDBClient; documents: DynamoDBDocumentClient } {
  // One retry inside the SDK for a dropped connection; the agent's loops retry on their own rhythm.
  const client = createDynamoDbClient({ region, connectionTimeoutMs: timeoutMs, requestTimeoutMs: timeoutMs, maxAttempts: 2 });
  return { client, documents: documentClientFor(client) };
}
