import { DynamoDBClient, GetItemCommand, ProvisionedThroughputExceededException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, NumberValue, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { allCustomMatcher, type CustomMatcher } from 'aws-sdk-client-mock-vitest';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoLeaseStore } from '../../../../src/aws/dynamodb/lease-store';
import { answerGet, L, M, N, NULL, S, type RawItem } from '../../../support/dynamodb-answers';

expect.extend(allCustomMatcher);
declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface Matchers<T = any> extends CustomMatcher<T> {}
}

const documents = mockClient(DynamoDBDocumentClient);
const store = () => new DynamoLeaseStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), 'prod-db');
const T = 1_700_000_000_000;

function leaseItem(fields: Record<string, AttributeValue | undefined> = {}): RawItem {
  const item: Record<string, AttributeValue | undefined> = {
    pk: S('lease#reconciler'),
    kind: S('lease'),
    holder: S('loop-a'),
    token: N(7),
    expiresAtMs: N(T + 3_000),
    acquiredAt: N(T),
    previousHolder: S('loop-0'),
    baselines: M({
      node1: M({ seq: N(41), seenAt: N(T + 500), healthySince: N(T - 60_000) }),
      node2: M({ seq: N(7), seenAt: N(T - 9_000) }),
    }),
    ...fields,
  };
  return Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined)) as RawItem;
}

beforeEach(() => {
  documents.reset();
});

describe('DynamoLeaseStore.read', () => {
  it('reads the lease and its baselines', async () => {
    // Prepare
    answerGet(documents, leaseItem());

    // Act
    const lease = await store().read();

    // Assess
    expect(lease).toEqual({
      holder: 'loop-a',
      token: 7,
      expiresAt: T + 3_000,
      acquiredAt: T,
      previousHolder: 'loop-0',
      baselines: {
        node1: { seq: 41, seenAt: T + 500, healthySince: T - 60_000 },
        node2: { seq: 7, seenAt: T - 9_000 },
      },
    });
    expect(documents).toHaveReceivedCommandWith(GetItemCommand, { Key: { pk: S('lease#reconciler') }, ConsistentRead: true });
  });

  it('drops one node’s malformed baseline and keeps the others', async () => {
    // Prepare
    answerGet(
      documents,
      leaseItem({
        baselines: M({
          node1: M({ seq: N(41), seenAt: N(T + 500) }),
          node2: M({ seq: N('9007199254740993.5'), seenAt: N(T) }),
          node3: NULL,
        }),
      }),
    );

    // Act
    const lease = await store().read();

    // Assess
    expect(lease?.baselines).toEqual({ node1: { seq: 41, seenAt: T + 500 } });
    expect(lease?.droppedBaselines).toEqual(['node2: seq: 9007199254740993.5 is not an integer', 'node3: expected a map, got null']);
  });

  it('ignores baselines that are not a map at all, as if none were saved', async () => {
    // Prepare
    answerGet(documents, leaseItem({ baselines: L(S('node1')) }));

    // Act
    const lease = await store().read();

    // Assess
    expect(lease?.baselines).toEqual({});
    expect(lease?.droppedBaselines).toEqual(['baselines: expected a map, got a list']);
  });

  it('drops informative attributes it cannot read', async () => {
    // Prepare
    answerGet(documents, leaseItem({ acquiredAt: S('noon'), previousHolder: N(3) }));

    // Act
    const lease = await store().read();

    // Assess
    expect(lease).toMatchObject({ holder: 'loop-a', token: 7, acquiredAt: undefined, previousHolder: undefined });
  });

  it.each<[string, Record<string, AttributeValue | undefined>, string]>([
    ['a token written as text', { token: S('7') }, 'token: expected a number, got the string "7"'],
    ['a token JavaScript cannot hold', { token: N('9007199254740993.5') }, 'token: 9007199254740993.5 is not an integer'],
    ['no holder', { holder: undefined }, 'holder: missing'],
    ['an expiry that is null', { expiresAtMs: NULL }, 'expiresAtMs: expected a number, got null'],
  ])('refuses a lease with %s with a coded error naming the field', async (_label, fields, problem) => {
    // Prepare
    answerGet(documents, leaseItem(fields));

    // Act
    const read = store().read();

    // Assess
    await expect(read).rejects.toMatchObject({ name: 'LeaseItemInvalidError', code: 'EC2F-D010' });
    await expect(read).rejects.toThrow(`lease item lease#reconciler of cluster "prod-db" is invalid: ${problem}`);
  });

  it('reports DynamoDB refusing the read as the store being unavailable', async () => {
    // Prepare
    documents.on(GetItemCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: { httpStatusCode: 400 } }));

    // Act
    const read = store().read();

    // Assess
    await expect(read).rejects.toMatchObject({ code: 'EC2F-D006' });
  });
});

describe('DynamoLeaseStore.acquire', () => {
  it('neither takes nor throws a TypeError over a malformed lease: it reports it', async () => {
    // Prepare
    answerGet(documents, leaseItem({ token: M({}) }));

    // Act
    const acquire = store().acquire('loop-b', 3_000, T + 10_000);

    // Assess
    await expect(acquire).rejects.toMatchObject({ code: 'EC2F-D010' });
    expect(documents).toHaveReceivedCommandTimes(PutCommand, 0);
    expect(documents).toHaveReceivedCommandTimes(UpdateCommand, 0);
  });

  it('takes over an expired lease on exactly the expiry it read, even one a double cannot hold', async () => {
    // Prepare
    answerGet(documents, leaseItem({ expiresAtMs: N('1700000003000.123456789') }));
    documents.on(UpdateCommand).resolves({});

    // Act
    const result = await store().acquire('loop-b', 3_000, T + 10_000);

    // Assess
    expect(result).toMatchObject({ acquired: true, fence: { holder: 'loop-b', token: 8 }, tookOver: true, previousHolder: 'loop-a' });
    const values = documents.commandCalls(UpdateCommand)[0]!.args[0].input.ExpressionAttributeValues!;
    expect(values[':previousExpiresAt']).toEqual(NumberValue.from('1700000003000.123456789'));
    expect(values[':previousToken']).toBe(7);
  });
});
