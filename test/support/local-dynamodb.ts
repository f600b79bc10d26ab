import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { localClientConfig } from '../../src/local/local-credentials';
import './provided-context';

/** The run's shared DynamoDB Local, started by test/global-setup.ts. */
export function testDynamoDbEndpoint(): string {
  return inject('dynamoDbEndpoint');
}

export function testDynamoDbClient(): DynamoDBClient {
  return new DynamoDBClient({ ...localClientConfig(testDynamoDbEndpoint()), maxAttempts: 1 });
}

/** Test files share one database, so each table gets a name no other file will use. */
export function uniqueTableName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
