import { DynamoDBClient, ScanCommand as RawScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { allCustomMatcher, type CustomMatcher } from 'aws-sdk-client-mock-vitest';
import { beforeEach, describe, expect, it } from 'vitest';
import type { MalformedItem } from '../../../../src/aws/dynamodb/item-schema';
import { SignalStore } from '../../../../src/aws/dynamodb/signal-store';
import { answerScan, BOOL, M, N, NULL, S, type RawItem } from '../../../support/dynamodb-answers';

expect.extend(allCustomMatcher);
declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface Matchers<T = any> extends CustomMatcher<T> {}
}

const documents = mockClient(DynamoDBDocumentClient);
const store = (onMalformed?: (item: MalformedItem) => void) =>
  new SignalStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), 'prod-db', { onMalformed });

const instanceSignal = (instanceId: string, state: string, at: AttributeValue = N(1_000)): RawItem => ({
  pk: S(`signal#instance#${instanceId}`),
  kind: S('signal'),
  at,
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
      { pk: S('signal#alarm#node1-health'), kind: S('signal'), at: N(1_200), signal: M({ kind: S('alarm'), alarmName: S('node1-health'), alarming: BOOL(true) }) },
    ]);

    // Act
    const signals = await store().readSignals();

    // Assess
    expect(signals).toEqual([
      { at: 1_000, signal: { kind: 'instance-state', instanceId: 'i-1', state: 'stopped' } },
      { at: 1_200, signal: { kind: 'alarm', alarmName: 'node1-health', alarming: true } },
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
