import { DynamoDBClient, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StaleHeartbeatError } from '../../../../src/aws/dynamodb/errors';
import { DynamoHeartbeatStore } from '../../../../src/aws/dynamodb/heartbeat-store';
import { ensureTables } from '../../../../src/aws/dynamodb/tables';
import type { Heartbeat } from '../../../../src/core/model';
import { testDynamoDbClient, uniqueTableName } from '../../../support/local-dynamodb';

/* Heartbeats against DynamoDB Local: the sequence must advance, expired beats are not read. */

let client: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let cluster: string;

beforeAll(() => {
  client = testDynamoDbClient();
  documents = DynamoDBDocumentClient.from(client);
});

afterAll(() => {
  client?.destroy();
});

beforeEach(async () => {
  cluster = uniqueTableName('hb');
  await ensureTables(client, cluster);
});

const beat = (instanceId: string, seq: number, extra: Partial<Heartbeat> = {}): Heartbeat => ({
  instanceId,
  seq,
  sentAt: 1_000 + seq,
  leaving: false,
  checks: [{ name: 'postgres', ok: true, required: true }],
  ...extra,
});

describe('DynamoHeartbeatStore', () => {
  it('stores each node’s newest beat and reads them all back', async () => {
    // Prepare
    const store = new DynamoHeartbeatStore(documents, cluster);
    await store.writeHeartbeat(beat('i-0aaaaaaaaaaaaaaa1', 1), 60);
    await store.writeHeartbeat(beat('i-0aaaaaaaaaaaaaaa1', 2, { leaving: true, agentVersion: '1.2.3' }), 60);
    await store.writeHeartbeat(beat('i-0bbbbbbbbbbbbbbb2', 7), 60);

    // Act
    const heartbeats = (await store.readHeartbeats()).beats;

    // Assess
    expect([...heartbeats].sort((a, b) => a.instanceId.localeCompare(b.instanceId))).toEqual([
      beat('i-0aaaaaaaaaaaaaaa1', 2, { leaving: true, agentVersion: '1.2.3' }),
      { ...beat('i-0bbbbbbbbbbbbbbb2', 7), agentVersion: undefined },
    ]);
  });

  it.each([
    ['a replayed sequence', 5],
    ['an older sequence', 4],
  ])('refuses %s and keeps the stored beat', async (_label, seq) => {
    // Prepare
    const store = new DynamoHeartbeatStore(documents, cluster);
    await store.writeHeartbeat(beat('i-0aaaaaaaaaaaaaaa1', 5), 60);

    // Act
    const write = store.writeHeartbeat(beat('i-0aaaaaaaaaaaaaaa1', seq, { leaving: true }), 60);

    // Assess
    await expect(write).rejects.toBeInstanceOf(StaleHeartbeatError);
    await expect(write).rejects.toMatchObject({ code: 'EC2F-D003' });
    expect((await store.readHeartbeats()).beats).toEqual([{ ...beat('i-0aaaaaaaaaaaaaaa1', 5), agentVersion: undefined }]);
  });

  it('does not return beats whose TTL has passed, though they are still stored', async () => {
    // Prepare
    const now = Date.now();
    const longAgo = new DynamoHeartbeatStore(documents, cluster, { clock: () => now - 3_600_000 });
    await longAgo.writeHeartbeat(beat('i-0aaaaaaaaaaaaaaa1', 9), 60);
    await new DynamoHeartbeatStore(documents, cluster, { clock: () => now }).writeHeartbeat(beat('i-0bbbbbbbbbbbbbbb2', 1), 60);
    const reader = new DynamoHeartbeatStore(documents, cluster, { clock: () => now });

    // Act
    const heartbeats = (await reader.readHeartbeats()).beats;

    // Assess
    expect(heartbeats.map((h) => h.instanceId)).toEqual(['i-0bbbbbbbbbbbbbbb2']);
    expect(await reader.lastSequence('i-0aaaaaaaaaaaaaaa1')).toBe(9);
  });

  it('has DynamoDB’s TTL enabled on the expiry attribute', async () => {
    // Act
    const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: `${cluster}-heartbeats` }));

    // Assess
    expect(TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });
});
