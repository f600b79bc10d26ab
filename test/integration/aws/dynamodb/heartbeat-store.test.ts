import { DynamoDBClient, DescribeTimeToLiveCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
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
      { ...beat('i-0bbbbbbbbbbbbbbb2', 7), agentVersion: undefined, incarnation: undefined },
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
    expect((await store.readHeartbeats()).beats).toEqual([{ ...beat('i-0aaaaaaaaaaaaaaa1', 5), agentVersion: undefined, incarnation: undefined }]);
  });

  it('does not return beats whose TTL has passed, though they are still stored', async () => {
    // Prepare: the reader's clock is ahead rather than the writer's behind, so the item has not
    // expired for DynamoDB Local, whose own TTL sweep would otherwise delete it mid-test
    const now = Date.now();
    await new DynamoHeartbeatStore(documents, cluster, { clock: () => now }).writeHeartbeat(beat('i-0aaaaaaaaaaaaaaa1', 9), 60);
    await new DynamoHeartbeatStore(documents, cluster, { clock: () => now + 3_600_000 }).writeHeartbeat(beat('i-0bbbbbbbbbbbbbbb2', 1), 3_660);
    const reader = new DynamoHeartbeatStore(documents, cluster, { clock: () => now + 3_600_000 });

    // Act
    const heartbeats = (await reader.readHeartbeats()).beats;

    // Assess
    expect(heartbeats.map((h) => h.instanceId)).toEqual(['i-0bbbbbbbbbbbbbbb2']);
    expect(await reader.lastSequence('i-0aaaaaaaaaaaaaaa1')).toBe(9);
  });

  it('keeps judging every node when one item holds a null check or a sequence JavaScript cannot hold', async () => {
    // Prepare: two good nodes through the store, two bad items written raw as a hand edit or a
    // hostile node would (the key of the second is no node of the cluster)
    const store = new DynamoHeartbeatStore(documents, cluster);
    await store.writeHeartbeat(beat('i-0aaaaaaaaaaaaaaa1', 10, { incarnation: 'a1b2c3d4e5f60718' }), 60);
    await store.writeHeartbeat(beat('i-0bbbbbbbbbbbbbbb2', 20), 60);
    const expiresAt: AttributeValue = { N: String(Math.floor(Date.now() / 1000) + 60) };
    const putRaw = (item: Record<string, AttributeValue>) => client.send(new PutItemCommand({ TableName: `${cluster}-heartbeats`, Item: item }));
    await putRaw({
      instanceId: { S: 'i-0ccccccccccccccc3' },
      seq: { N: '31' },
      sentAt: { N: '1031' },
      leaving: { BOOL: false },
      checks: { L: [{ NULL: true }] },
      expiresAt,
    });
    await putRaw({
      instanceId: { S: 'i-0ffffffffffffffff' },
      seq: { N: '9007199254740993.5' },
      sentAt: { N: '1' },
      leaving: { BOOL: false },
      checks: { L: [] },
      expiresAt,
    });

    // Act
    const read = await store.readHeartbeats();

    // Assess
    expect([...read.beats].sort((a, b) => a.instanceId.localeCompare(b.instanceId))).toEqual([
      { ...beat('i-0aaaaaaaaaaaaaaa1', 10), agentVersion: undefined, incarnation: 'a1b2c3d4e5f60718' },
      { ...beat('i-0bbbbbbbbbbbbbbb2', 20), agentVersion: undefined, incarnation: undefined },
    ]);
    expect([...read.malformed].sort((a, b) => String(a.instanceId).localeCompare(String(b.instanceId)))).toEqual([
      { instanceId: 'i-0ccccccccccccccc3', problem: 'checks[0]: expected a map, got null' },
      { instanceId: 'i-0ffffffffffffffff', problem: 'seq: 9007199254740993.5 is not an integer' },
    ]);
    expect(await store.lastSequence('i-0ffffffffffffffff')).toBeUndefined();
    expect(await store.lastSequence('i-0aaaaaaaaaaaaaaa1')).toBe(10);
  });

  it('has DynamoDB’s TTL enabled on the expiry attribute', async () => {
    // Act
    const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: `${cluster}-heartbeats` }));

    // Assess
    expect(TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
  });
});
