import { DynamoDBClient, QueryCommand as RawQueryCommand, ScanCommand as RawScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { allCustomMatcher, type CustomMatcher } from 'aws-sdk-client-mock-vitest';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoHistoryStore } from '../../../../src/aws/dynamodb/history-store';
import { answerQuery, answerScan, M, N, NULL, S, type RawItem } from '../../../support/dynamodb-answers';

expect.extend(allCustomMatcher);
declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface Matchers<T = any> extends CustomMatcher<T> {}
}

const documents = mockClient(DynamoDBDocumentClient);
const store = () => new DynamoHistoryStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), 'prod-db');

const entry = (seq: string, fields: RawItem = {}): RawItem => ({
  group: S('db'),
  seq: S(seq),
  at: N(1_000),
  kind: S('transition'),
  epoch: N(2),
  message: S(`entry ${seq}`),
  ...fields,
});

beforeEach(() => {
  documents.reset();
});

describe('DynamoHistoryStore.read', () => {
  it('reads a group’s entries with their details', async () => {
    // Prepare
    answerQuery(documents, [entry('1#a', { resource: S('db-vip'), details: M({ elapsedMs: N(12), result: S('ok') }) })]);

    // Act
    const entries = await store().read({ group: 'db' });

    // Assess
    expect(entries).toEqual([
      { seq: '1#a', at: 1_000, group: 'db', kind: 'transition', epoch: 2, message: 'entry 1#a', resource: 'db-vip', details: { elapsedMs: 12, result: 'ok' } },
    ]);
    expect(documents).toHaveReceivedCommandWith(RawQueryCommand, { ExpressionAttributeValues: { ':group': S('db') } });
  });

  it('shows a detail number too big for JavaScript as its text instead of failing the read', async () => {
    // Prepare
    answerQuery(documents, [entry('1#a', { details: M({ count: N('9007199254740993.5') }) })]);

    // Act
    const [stored] = await store().read({ group: 'db' });

    // Assess
    expect(stored?.details).toEqual({ count: '9007199254740993.5' });
  });

  it.each<[string, RawItem, string]>([
    ['an epoch JavaScript cannot hold', { epoch: N('9007199254740993.5') }, 'epoch: 9007199254740993.5 is not an integer'],
    ['an unknown kind', { kind: S('gossip') }, 'kind: the string "gossip" is not one of'],
    ['no message', { message: NULL }, 'message: expected a string, got null'],
    ['details that are text', { details: S('x') }, 'details: expected a map, got the string "x"'],
  ])('leaves out an entry with %s, reports it, and keeps the others', async (_label, broken, problem) => {
    // Prepare
    answerScan(documents, [entry('1#a'), entry('2#b', broken), entry('3#c')]);

    // Act
    const read = await store().readChecked({});

    // Assess
    expect(read.entries.map((e) => e.seq)).toEqual(['1#a', '3#c']);
    expect(read.malformed).toEqual([{ code: 'EC2F-D013', table: 'prod-db-history', key: 'db 2#b', problem: expect.stringContaining(problem) }]);
    expect(documents).toHaveReceivedCommandTimes(RawScanCommand, 1);
  });
});
