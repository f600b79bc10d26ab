import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDbCallBudgetMs, documentClientFor } from '../../../../src/aws/dynamodb/client';
import { StateStoreUnavailableError } from '../../../../src/aws/dynamodb/errors';
import { DynamoHeartbeatStore } from '../../../../src/aws/dynamodb/heartbeat-store';
import { ensureTables } from '../../../../src/aws/dynamodb/tables';
import { testDynamoDbClient } from '../../../support/local-dynamodb';
import { startPrivateDynamoDbLocal, type PrivateDynamoDbLocal } from '../../../support/private-dynamodb';

/*
 * A DynamoDB brownout, simulated by SIGSTOP on a DynamoDB Local of this file's own: the stores
 * answer "unavailable" (EC2F-D006, unknown: nothing may move) within their budget while it is
 * frozen, and read normally again once it resumes. The run's shared DynamoDB Local keeps
 * answering meanwhile.
 */

const BOUNDS = { connectionTimeoutMs: 500, requestTimeoutMs: 800, maxAttempts: 2 } as const;

let dynamoDb: PrivateDynamoDbLocal | undefined;

beforeAll(async () => {
  dynamoDb = await startPrivateDynamoDbLocal();
});

afterAll(async () => {
  await dynamoDb?.stop();
});

describe('a frozen DynamoDB Local', () => {
  it('makes heartbeat reads fail coded within their budget, leaves the shared instance answering, and reads resume on thaw', async () => {
    // Prepare: set up with generous bounds (a cold JVM is slow to answer first), read with tight ones
    const setup = dynamoDb!.client({ requestTimeoutMs: 10_000, maxAttempts: 1 });
    await ensureTables(setup, 'brownout');
    await new DynamoHeartbeatStore(documentClientFor(setup), 'brownout').writeHeartbeat({
      instanceId: 'i-0aaaaaaaaaaaaaaa1',
      seq: 1,
      sentAt: 1,
      leaving: false,
      checks: [],
    });
    const store = new DynamoHeartbeatStore(documentClientFor(dynamoDb!.client(BOUNDS)), 'brownout');
    await store.readHeartbeats();
    const shared = testDynamoDbClient();

    try {
      // Act
      dynamoDb!.freeze();
      const started = Date.now();
      const frozenRead = await store.readHeartbeats().catch((error: unknown) => error);
      const elapsed = Date.now() - started;
      const sharedAnswer = await shared.send(new ListTablesCommand({ Limit: 1 }));
      dynamoDb!.thaw();
      const resumed = await store.readHeartbeats();

      // Assess
      expect(frozenRead).toBeInstanceOf(StateStoreUnavailableError);
      expect(frozenRead).toMatchObject({ code: 'EC2F-D006' });
      expect(elapsed).toBeLessThan(dynamoDbCallBudgetMs(BOUNDS) + 500);
      expect(sharedAnswer.$metadata.httpStatusCode).toBe(200);
      expect(resumed.beats.map((beat) => beat.seq)).toEqual([1]);
    } finally {
      if (dynamoDb!.frozen) dynamoDb!.thaw();
      shared.destroy();
    }
  });
});
