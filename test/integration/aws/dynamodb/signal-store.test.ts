import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MalformedItem } from '../../../../src/aws/dynamodb/item-schema';
import { SignalStore } from '../../../../src/aws/dynamodb/signal-store';
import { ensureTables } from '../../../../src/aws/dynamodb/tables';
import { testDynamoDbClient, uniqueTableName } from '../../../support/local-dynamodb';

/* Signals against DynamoDB Local: a malformed item, written raw, is left out for itself alone. */

let client: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let cluster: string;
/** A whole second shortly before the test: signals expire an hour after their event. */
const T = Math.floor(Date.now() / 1000) * 1000 - 60_000;

beforeAll(() => {
  client = testDynamoDbClient();
  documents = DynamoDBDocumentClient.from(client);
});

afterAll(() => {
  client?.destroy();
});

beforeEach(async () => {
  cluster = uniqueTableName('sig');
  await ensureTables(client, cluster);
});

describe('SignalStore', () => {
  it('reads the valid signals beside one whose time JavaScript cannot hold, and reports that one', async () => {
    // Prepare
    const reported: MalformedItem[] = [];
    const store = new SignalStore(documents, cluster, { onMalformed: (item) => reported.push(item) });
    await store.recordSignal({ signal: { kind: 'instance-state', instanceId: 'i-0aaaaaaaaaaaaaaa1', state: 'stopped' }, at: T + 2_000 });
    await store.recordSignal({ signal: { kind: 'alarm', alarmName: 'node2-health', alarming: true }, at: T + 1_500 });
    await client.send(
      new PutItemCommand({
        TableName: `${cluster}-resources`,
        Item: {
          pk: { S: 'signal#instance#i-0bbbbbbbbbbbbbbb2' },
          kind: { S: 'signal' },
          at: { N: '9007199254740993.5' },
          signal: { M: { kind: { S: 'instance-state' }, instanceId: { S: 'i-0bbbbbbbbbbbbbbb2' }, state: { S: 'terminated' } } },
        },
      }),
    );

    // Act
    const signals = await store.readSignals();

    // Assess
    expect([...signals].sort((a, b) => a.at - b.at)).toEqual([
      { at: T + 1_500, signal: { kind: 'alarm', alarmName: 'node2-health', alarming: true } },
      { at: T + 2_000, signal: { kind: 'instance-state', instanceId: 'i-0aaaaaaaaaaaaaaa1', state: 'stopped' } },
    ]);
    expect(reported).toEqual([
      {
        code: 'EC2F-D012',
        table: `${cluster}-resources`,
        key: 'signal#instance#i-0bbbbbbbbbbbbbbb2',
        problem: 'at: 9007199254740993.5 is beyond ±2^53 (Number.MAX_SAFE_INTEGER)',
      },
    ]);
  });
});
