import { DynamoDBClient, ScanCommand as RawScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { allCustomMatcher, type CustomMatcher } from 'aws-sdk-client-mock-vitest';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MalformedItem } from '../../../../src/aws/dynamodb/item-schema';
import { SIGNAL_TTL_SECONDS, SignalStore } from '../../../../src/aws/dynamodb/signal-store';
import { answerScan, BOOL, M, N, NULL, S, type RawItem } from '../../../support/dynamodb-answers';

expect.extend(allCustomMatcher);
declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface Matchers<T = any> extends CustomMatcher<T> {}
}

const documents = mockClient(DynamoDBDocumentClient);
/** The readers' clock: a minute after the events below. */
const NOW = Date.UTC(2026, 0, 1, 12, 1, 0);
const EVENT_AT = Date.UTC(2026, 0, 1, 12, 0, 0);
const store = (onMalformed?: (item: MalformedItem) => void) =>
  new SignalStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), 'prod-db', { onMalformed, clock: () => NOW });

const instanceSignal = (instanceId: string, state: string, at: AttributeValue = N(EVENT_AT), expiresAt: AttributeValue = N(EVENT_AT / 1000 + SIGNAL_TTL_SECONDS)): RawItem => ({
  pk: S(`signal#instance#${instanceId}`),
  kind: S('signal'),
  at,
  expiresAt,
  signal: M({ kind: S('instance-state'), instanceId: S(instanceId), state: S(state) }),
});

beforeEach(() => {
  documents.reset();
});

describe('SignalStore.readSignals', () => {
  it('reads instance and alarm signals with one consistent Scan of the signal keys', async () => {
    // Prepare
    answerScan(documents, [
      instanceSignal('i-1', 'stopped'),
      { pk: S('signal#alarm#node1-health'), kind: S('signal'), at: N(EVENT_AT + 1_000), expiresAt: N(EVENT_AT / 1000 + 3_601), signal: M({ kind: S('alarm'), alarmName: S('node1-health'), alarming: BOOL(true) }) },
    ]);

    // Act
    const signals = await store().readSignals();

    // Assess
    expect(signals).toEqual([
      { at: EVENT_AT, signal: { kind: 'instance-state', instanceId: 'i-1', state: 'stopped' } },
      { at: EVENT_AT + 1_000, signal: { kind: 'alarm', alarmName: 'node1-health', alarming: true } },
    ]);
    expect(documents).toHaveReceivedCommandWith(RawScanCommand, {
      TableName: 'prod-db-resources',
      ConsistentRead: true,
      FilterExpression: 'begins_with(#pk, :prefix)',
      ExpressionAttributeValues: { ':prefix': S('signal#') },
    });
  });

  it.each<[string, RawItem, string]>([
    ['a time JavaScript cannot hold', instanceSignal('i-2', 'stopped', N('9007199254740993.5')), 'at: 9007199254740993.5 is beyond ±2^53 (Number.MAX_SAFE_INTEGER)'],
    ['an unknown instance state', instanceSignal('i-2', 'exploded'), 'signal.state: the string "exploded" is not one of'],
    ['no signal', { pk: S('signal#instance#i-2'), kind: S('signal'), at: N(5), signal: NULL }, 'signal: expected a map, got null'],
    ['a signal about another instance than its key', { ...instanceSignal('i-2', 'stopped'), pk: S('signal#instance#i-9') }, 'signal: does not match its key signal#instance#i-9'],
  ])('leaves out a signal with %s, reports it, and keeps the others', async (_label, bad, problem) => {
    // Prepare
    answerScan(documents, [bad, instanceSignal('i-1', 'running')]);
    const reported: MalformedItem[] = [];

    // Act
    const read = await store().readSignalsChecked();
    const signals = await store((item) => reported.push(item)).readSignals();

    // Assess
    expect(read.signals.map((s) => s.signal)).toEqual([{ kind: 'instance-state', instanceId: 'i-1', state: 'running' }]);
    expect(signals).toEqual(read.signals);
    expect(read.malformed).toEqual([{ code: 'EC2F-D012', table: 'prod-db-resources', key: expect.stringMatching(/^signal#instance#i-[29]$/), problem: expect.stringContaining(problem) }]);
    expect(reported).toEqual(read.malformed);
  });
});

describe('SignalStore, the life of a signal', () => {
  it('writes the expiry an hour after the event, replacing only an older event of that instance', async () => {
    // Prepare
    documents.on(PutCommand).resolves({});

    // Act
    await store().recordSignal({ signal: { kind: 'instance-state', instanceId: 'i-1', state: 'running' }, at: EVENT_AT });

    // Assess
    expect(SIGNAL_TTL_SECONDS).toBe(3_600);
    expect(documents).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'prod-db-resources',
      Item: { pk: 'signal#instance#i-1', kind: 'signal', signal: { kind: 'instance-state', instanceId: 'i-1', state: 'running' }, at: EVENT_AT, expiresAt: EVENT_AT / 1000 + 3_600 },
      ConditionExpression: 'attribute_not_exists(#pk) OR #at < :at',
      ExpressionAttributeValues: { ':at': EVENT_AT },
    });
  });

  it('keeps the newer event when an older or same-second one arrives late', async () => {
    // Prepare: DynamoDB refuses the write, as it does when the stored event is not older
    documents.on(PutCommand).rejects(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' }));

    // Act
    const recording = store().recordSignal({ signal: { kind: 'instance-state', instanceId: 'i-1', state: 'stopped' }, at: EVENT_AT - 5_000 });

    // Assess
    await expect(recording).resolves.toBeUndefined();
  });

  it('leaves out, without reporting, a signal past its expiry that DynamoDB has not deleted yet', async () => {
    // Prepare
    const reported: MalformedItem[] = [];
    answerScan(documents, [
      instanceSignal('i-1', 'stopped', N(NOW - 2 * 3_600_000), N(NOW / 1000 - 3_600)),
      instanceSignal('i-2', 'stopped', N(NOW - 3_600_000), N(NOW / 1000)),
      instanceSignal('i-3', 'running'),
    ]);

    // Act
    const signals = await store((item) => reported.push(item)).readSignals();

    // Assess
    expect(signals.map((s) => s.signal)).toEqual([{ kind: 'instance-state', instanceId: 'i-3', state: 'running' }]);
    expect(reported).toEqual([]);
  });

  it('gives a signal written without an expiry (by an older release) an hour from its time', async () => {
    // Prepare
    const legacy = (instanceId: string, at: number): RawItem => {
      const { expiresAt: _, ...item } = instanceSignal(instanceId, 'stopped', N(at));
      return item;
    };
    answerScan(documents, [legacy('i-1', NOW - 3_600_000 - 1_000), legacy('i-2', NOW - 3_600_000 + 1_000)]);

    // Act
    const signals = await store().readSignals();

    // Assess
    expect(signals.map((s) => s.signal)).toEqual([{ kind: 'instance-state', instanceId: 'i-2', state: 'stopped' }]);
  });
});
