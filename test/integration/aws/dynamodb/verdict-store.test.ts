import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scanResourcesTable } from '../../../../src/aws/dynamodb/state-scan';
import { ensureTables } from '../../../../src/aws/dynamodb/tables';
import { DynamoVerdictStore, VERDICTS_ITEM_KEY, verdictsFromTick, type Verdicts } from '../../../../src/aws/dynamodb/verdict-store';
import { testDynamoDbClient, uniqueTableName } from '../../../support/local-dynamodb';

/* The reconciler's verdicts against DynamoDB Local: one item, overwritten per tick, validated on read. */

let client: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let cluster: string;
let store: DynamoVerdictStore;

beforeAll(() => {
  client = testDynamoDbClient();
  documents = DynamoDBDocumentClient.from(client);
});

afterAll(() => {
  client?.destroy();
});

beforeEach(async () => {
  cluster = uniqueTableName('verdict');
  await ensureTables(client, cluster);
  store = new DynamoVerdictStore(documents, cluster);
});

const verdicts = (at: number): Verdicts => ({
  at,
  holder: 'host-a:42',
  nodes: {
    node1: { state: 'healthy', reason: 'heartbeat advancing', healthySince: at - 5_000 },
    node2: { state: 'failed', reason: 'instance is stopped' },
  },
  groups: { db: { findings: [{ code: 'EC2F-R006', severity: 'warning', message: 'no route', resource: 'db-vip' }] }, web: { findings: [] } },
});

describe('DynamoVerdictStore', () => {
  it('reads back what the last tick recorded, overwriting the one before', async () => {
    // Prepare
    await store.recordVerdicts(verdicts(1_000));

    // Act
    await store.recordVerdicts(verdicts(2_000));
    const read = await store.readVerdicts();

    // Assess
    expect(read).toEqual(verdicts(2_000));
  });

  it('reads "no verdict" when none was recorded', async () => {
    // Act, Assess
    expect(await store.readVerdicts()).toBeUndefined();
  });

  it('reads a malformed item as "no verdict", whatever is wrong with it', async () => {
    // Prepare
    const bad = [
      { pk: VERDICTS_ITEM_KEY, kind: 'verdicts', at: 'yesterday', holder: 'x', nodes: {}, groups: {} },
      { pk: VERDICTS_ITEM_KEY, kind: 'verdicts', at: 1, holder: 'x', nodes: { node1: { state: 'dead', reason: '' } }, groups: {} },
      { pk: VERDICTS_ITEM_KEY, kind: 'verdicts', at: 1, holder: 'x', nodes: {}, groups: { db: { findings: [{ code: 1 }] } } },
    ];
    const results: unknown[] = [];

    // Act
    for (const item of bad) {
      await documents.send(new PutCommand({ TableName: `${cluster}-resources`, Item: item }));
      results.push(await store.readVerdicts());
    }

    // Assess
    expect(results).toEqual([undefined, undefined, undefined]);
  });

  it('reads a number the document client cannot unmarshal instead of failing as an outage', async () => {
    // Prepare
    await client.send(
      new PutItemCommand({
        TableName: `${cluster}-resources`,
        Item: { pk: { S: VERDICTS_ITEM_KEY }, at: { N: '9007199254740993.5' }, holder: { S: 'x' }, nodes: { M: {} }, groups: { M: {} } },
      }),
    );

    // Act
    const read = await store.readVerdicts();

    // Assess
    expect(read).toMatchObject({ holder: 'x', nodes: {}, groups: {} });
  });

  it('is passed by the state scan, so specs and statuses never see it', async () => {
    // Prepare
    await store.recordVerdicts(verdicts(1_000));

    // Act
    const contents = await scanResourcesTable(documents, cluster);

    // Assess
    expect(contents).toEqual({ cluster: undefined, resources: [], signalItems: [] });
  });

  it('builds the item from one tick: node health and the warnings and errors per group', () => {
    // Act
    const built = verdictsFromTick({
      at: 5,
      holder: 'h',
      health: new Map([['node1', { node: 'node1', state: 'unknown', reason: 'waiting for the heartbeat sequence to advance' }]]),
      findings: [
        { code: 'EC2F-R001', severity: 'error', group: 'db', message: 'no healthy member' },
        { code: 'EC2F-R002', severity: 'info', group: 'db', message: 'ignored' },
      ],
      groups: ['db', 'web'],
    });

    // Assess
    expect(built).toEqual({
      at: 5,
      holder: 'h',
      nodes: { node1: { state: 'unknown', reason: 'waiting for the heartbeat sequence to advance', healthySince: undefined } },
      groups: { db: { findings: [{ code: 'EC2F-R001', severity: 'error', message: 'no healthy member', resource: undefined }] }, web: { findings: [] } },
    });
  });
});
