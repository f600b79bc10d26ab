import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  ScanCommand as RawScanCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { allCustomMatcher, type CustomMatcher } from 'aws-sdk-client-mock-vitest';
import { beforeEach, describe, expect, it } from 'vitest';
import { StaleHeartbeatError } from '../../../../src/aws/dynamodb/errors';
import { DynamoHeartbeatStore } from '../../../../src/aws/dynamodb/heartbeat-store';
import type { Heartbeat } from '../../../../src/core/model';
import { answerGet, answerScan, BOOL, L, M, N, NULL, S, type RawItem } from '../../../support/dynamodb-answers';

expect.extend(allCustomMatcher);
declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface Matchers<T = any> extends CustomMatcher<T> {}
}

const documents = mockClient(DynamoDBDocumentClient);
const NOW = 1_700_000_000_000;
const store = () =>
  new DynamoHeartbeatStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), 'prod-db', { clock: () => NOW });

const beat: Heartbeat = {
  instanceId: 'i-0123456789abcdef0',
  seq: 42,
  sentAt: NOW - 5,
  leaving: false,
  checks: [{ name: 'postgres', ok: true, required: true, detail: undefined }],
  agentVersion: undefined,
};

beforeEach(() => {
  documents.reset();
});

describe('DynamoHeartbeatStore.writeHeartbeat', () => {
  it('puts the beat only if its sequence advances, with an expiry in epoch seconds', async () => {
    // Prepare
    documents.on(PutCommand).resolves({});

    // Act
    await store().writeHeartbeat(beat, 600);

    // Assess
    expect(documents.commandCalls(PutCommand)[0]!.args[0].input).toEqual({
      TableName: 'prod-db-heartbeats',
      Item: {
        instanceId: 'i-0123456789abcdef0',
        seq: 42,
        sentAt: NOW - 5,
        leaving: false,
        checks: [{ name: 'postgres', ok: true, required: true }],
        expiresAt: NOW / 1000 + 600,
      },
      ConditionExpression: 'attribute_not_exists(#instanceId) OR #seq < :seq',
      ExpressionAttributeNames: { '#instanceId': 'instanceId', '#seq': 'seq' },
      ExpressionAttributeValues: { ':seq': 42 },
    });
  });

  it('refuses a stale or replayed sequence with a coded error', async () => {
    // Prepare
    documents.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    // Act
    const write = store().writeHeartbeat(beat, 600);

    // Assess
    await expect(write).rejects.toBeInstanceOf(StaleHeartbeatError);
    await expect(write).rejects.toMatchObject({ code: 'EC2F-D003', instanceId: beat.instanceId, seq: 42 });
  });

  it('reports throttling as the store being unavailable, not as a stale beat', async () => {
    // Prepare
    documents.on(PutCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));

    // Act
    const write = store().writeHeartbeat(beat, 600);

    // Assess
    await expect(write).rejects.toMatchObject({ code: 'EC2F-D006' });
  });
});

describe('DynamoHeartbeatStore.readHeartbeats', () => {
  const item = (instanceId: string, fields: Record<string, AttributeValue | undefined> = {}): RawItem => {
    const raw: Record<string, AttributeValue | undefined> = {
      instanceId: S(instanceId),
      seq: N(42),
      sentAt: N(NOW - 5),
      leaving: BOOL(false),
      checks: L(M({ name: S('postgres'), ok: BOOL(true), required: BOOL(true) })),
      agentVersion: S('1.2.3'),
      expiresAt: N(NOW / 1000 + 60),
      ...fields,
    };
    return Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined)) as RawItem;
  };

  it('drops beats whose TTL has passed though DynamoDB still returns them', async () => {
    // Prepare
    answerScan(documents, [item('i-live', { expiresAt: N(NOW / 1000 + 1) }), item('i-expired', { seq: N(9), expiresAt: N(NOW / 1000) })]);

    // Act
    const read = await store().readHeartbeats();

    // Assess
    expect(read.beats.map((h) => h.instanceId)).toEqual(['i-live']);
    expect(read.malformed).toEqual([]);
    expect(documents).toHaveReceivedCommandWith(RawScanCommand, { TableName: 'prod-db-heartbeats', ConsistentRead: true });
  });

  it('reads every field of a beat, the incarnation included', async () => {
    // Prepare
    answerScan(documents, [item('i-0123456789abcdef0', { incarnation: S('6f1c0e3a9b2d4c5e'), leaving: BOOL(true) })]);

    // Act
    const read = await store().readHeartbeats();

    // Assess
    expect(read).toEqual({
      beats: [
        {
          instanceId: 'i-0123456789abcdef0',
          seq: 42,
          sentAt: NOW - 5,
          leaving: true,
          checks: [{ name: 'postgres', ok: true, required: true }],
          agentVersion: '1.2.3',
          incarnation: '6f1c0e3a9b2d4c5e',
        },
      ],
      malformed: [],
    });
  });

  it('rejects a beat with a null check for its node alone and keeps the others', async () => {
    // Prepare
    answerScan(documents, [item('i-good-1'), item('i-bad', { seq: N(43), checks: L(NULL) }), item('i-good-2')]);

    // Act
    const read = await store().readHeartbeats();

    // Assess
    expect(read.beats.map((h) => h.instanceId)).toEqual(['i-good-1', 'i-good-2']);
    expect(read.malformed).toEqual([{ instanceId: 'i-bad', problem: 'checks[0]: expected a map, got null' }]);
  });

  it('rejects a non-integer sequence beyond 2^53 for its item alone, without failing the read', async () => {
    // Prepare: the document client's default unmarshalling fails the whole Scan on this item
    answerScan(documents, [item('i-0000000000000000f', { seq: N('9007199254740993.5') }), item('i-good')]);

    // Act
    const read = await store().readHeartbeats();

    // Assess
    expect(read.beats.map((h) => h.instanceId)).toEqual(['i-good']);
    expect(read.malformed).toEqual([{ instanceId: 'i-0000000000000000f', problem: 'seq: 9007199254740993.5 is not an integer' }]);
  });

  it.each<[string, Record<string, AttributeValue | undefined>, string]>([
    ['no sequence', { seq: undefined }, 'seq: missing'],
    ['a sequence written as text', { seq: S('43') }, 'seq: expected a number, got the string "43"'],
    ['an integer sequence beyond 2^53', { seq: N('9007199254740993') }, 'seq: 9007199254740993 is beyond ±2^53 (Number.MAX_SAFE_INTEGER)'],
    ['a fractional sequence', { seq: N('42.5') }, 'seq: 42.5 is not an integer'],
    ['a negative sequence', { seq: N(-1) }, 'seq: -1 is below 0'],
    ['a sequence in exponent form beyond 2^53', { seq: N('1E+300') }, 'seq: 1E+300 is beyond ±2^53 (Number.MAX_SAFE_INTEGER)'],
    ['no send time', { sentAt: undefined }, 'sentAt: missing'],
    ['a leaving flag that is text', { leaving: S('yes') }, 'leaving: expected true or false, got the string "yes"'],
    ['checks that are not a list', { checks: M({}) }, 'checks: expected a list, got a map'],
    ['a check without its required flag', { checks: L(M({ name: S('db'), ok: BOOL(true) })) }, 'checks[0].required: missing'],
    ['a check whose name is a number', { checks: L(M({ name: N(7), ok: BOOL(true), required: BOOL(false) })) }, 'checks[0].name: expected a string, got the number 7'],
    ['an agent version that is a number', { agentVersion: N(2) }, 'agentVersion: expected a string, got the number 2'],
    ['an incarnation that is a list', { incarnation: L() }, 'incarnation: expected a string, got a list'],
    ['a sequence stored as a number set', { seq: { NS: ['1', '2'] } }, 'seq: expected a number, got a set'],
  ])('rejects a beat with %s, naming its node and the field', async (_label, fields, problem) => {
    // Prepare
    answerScan(documents, [item('i-bad', fields), item('i-good')]);

    // Act
    const read = await store().readHeartbeats();

    // Assess
    expect(read.beats.map((h) => h.instanceId)).toEqual(['i-good']);
    expect(read.malformed).toEqual([{ instanceId: 'i-bad', problem }]);
  });

  it('reports an item without a readable key without naming a node', async () => {
    // Prepare
    answerScan(documents, [item('i-x', { instanceId: N(5) }), item('i-good')]);

    // Act
    const read = await store().readHeartbeats();

    // Assess
    expect(read.beats.map((h) => h.instanceId)).toEqual(['i-good']);
    expect(read.malformed).toEqual([{ problem: 'instanceId: expected a string, got the number 5' }]);
  });

  it('accepts attributes it does not know, so a newer agent is not judged malformed', async () => {
    // Prepare
    answerScan(documents, [item('i-newer', { cpu: N('0.25'), zone: S('eu-west-1a') })]);

    // Act
    const read = await store().readHeartbeats();

    // Assess
    expect(read.beats.map((h) => h.instanceId)).toEqual(['i-newer']);
    expect(read.malformed).toEqual([]);
  });

  it('keeps reading the pages after one with a malformed item', async () => {
    // Prepare
    documents
      .on(RawScanCommand)
      .resolvesOnce({ Items: [item('i-bad', { checks: L(NULL) })], LastEvaluatedKey: { instanceId: S('i-bad') } })
      .resolvesOnce({ Items: [item('i-good')] });

    // Act
    const read = await store().readHeartbeats();

    // Assess
    expect(read.beats.map((h) => h.instanceId)).toEqual(['i-good']);
    expect(read.malformed.map((m) => m.instanceId)).toEqual(['i-bad']);
    expect(documents).toHaveReceivedCommandTimes(RawScanCommand, 2);
  });

  it('reports DynamoDB refusing the Scan as the store being unavailable', async () => {
    // Prepare
    documents.on(RawScanCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } }));

    // Act
    const read = store().readHeartbeats();

    // Assess
    await expect(read).rejects.toMatchObject({ name: 'StateStoreUnavailableError', code: 'EC2F-D006' });
  });
});

describe('DynamoHeartbeatStore.lastSequence', () => {
  it('returns the stored sequence', async () => {
    // Prepare
    answerGet(documents, { instanceId: S('i-a'), seq: N(1_700_000_000_123) });

    // Act
    const seq = await store().lastSequence('i-a');

    // Assess
    expect(seq).toBe(1_700_000_000_123);
  });

  it('treats a sequence it cannot hold exactly as none stored, instead of throwing', async () => {
    // Prepare
    answerGet(documents, { instanceId: S('i-a'), seq: N('9007199254740993.5') });

    // Act
    const seq = await store().lastSequence('i-a');

    // Assess
    expect(seq).toBeUndefined();
  });
});
