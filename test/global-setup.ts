import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal } from '../src/local/dynamodb-local';
import { TEST_DYNAMODB_ENDPOINT_VARIABLE } from './support/provided-context';

/**
 * One DynamoDB Local for the whole run: the JVM takes a second or two and about 110 MB, too much
 * to pay per test file. Tests keep apart by using their own table names. If the variable is
 * already set (a DynamoDB Local someone runs by hand), that one is used and left alone.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env[TEST_DYNAMODB_ENDPOINT_VARIABLE];
  if (given !== undefined && given !== '') {
    project.provide('dynamoDbEndpoint', given);
    return async () => undefined;
  }
  const dynamoDb = await startDynamoDbLocal();
  project.provide('dynamoDbEndpoint', dynamoDb.endpoint);
  // Workers are forked after this runs and inherit the environment.
  process.env[TEST_DYNAMODB_ENDPOINT_VARIABLE] = dynamoDb.endpoint;
  return async () => {
    // In watch mode setup runs again in this same process; it must not mistake ours for a given one.
    delete process.env[TEST_DYNAMODB_ENDPOINT_VARIABLE];
    await dynamoDb.stop();
  };
}
