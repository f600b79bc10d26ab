import { DynamoDBClient, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoLeaseStore } from '../../../../src/aws/dynamodb/lease-store';
import { ensureTables } from '../../../../src/aws/dynamodb/tables';
import type { LivenessBaselines } from '../../../../src/core/model';
import { testDynamoDbClient, uniqueTableName } from '../../../support/local-dynamodb';

/*
 * The reconcile lease against DynamoDB Local. Times are passed in, so expiry is exercised
 * without waiting: `T` is an arbitrary start, each holder judges with the time it is given.
 */

let client: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let lease: () => DynamoLeaseStore;
let tableName: string;

const T = 1_700_000_000_000;
const TTL = 3_000;

beforeAll(() => {
  client = testDynamoDbClient();
  documents = DynamoDBDocumentClient.from(client);
});

afterAll(() => {
  client?.destroy();
});

beforeEach(async () => {
  const cluster = uniqueTableName('lease');
  tableName = `${cluster}-resources`;
  await ensureTables(client, cluster);
  lease = () => new DynamoLeaseStore(documents, cluster);
});

const baselines: LivenessBaselines = {
  node1: { seq: 41, seenAt: T + 500, healthySince: T - 60_000 },
  node2: { seq: 7, seenAt: T - 9_000 },
};

describe('DynamoLeaseStore.acquire', () => {
  it('grants a free lease with token 1 and no baselines', async () => {
    // Act
    const result = await lease().acquire('loop-a', TTL, T);

    // Assess
    expect(result).toEqual({ acquired: true, fence: { holder: 'loop-a', token: 1 }, expiresAt: T + TTL, baselines: {}, tookOver: false });
  });

  it('tells who holds an unexpired lease instead of taking it', async () => {
    // Prepare
    await lease().acquire('loop-a', TTL, T);

    // Act
    const result = await lease().acquire('loop-b', TTL, T + TTL - 1);

    // Assess
    expect(result).toEqual({ acquired: false, holder: 'loop-a', token: 1, expiresAt: T + TTL });
  });

  it('extends the lease for the same holder, keeping its token', async () => {
    // Prepare
    await lease().acquire('loop-a', TTL, T);

    // Act
    const result = await lease().acquire('loop-a', TTL, T + 1_000);

    // Assess
    expect(result).toMatchObject({ acquired: true, fence: { holder: 'loop-a', token: 1 }, expiresAt: T + 1_000 + TTL, tookOver: false });
  });

  it('hands an expired lease to a new holder with a bigger token and the saved baselines', async () => {
    // Prepare
    const first = await lease().acquire('loop-a', TTL, T);
    if (!first.acquired) throw new Error('first acquire must succeed');
    await lease().saveBaselines(first.fence, baselines);

    // Act
    const takeover = await lease().acquire('loop-b', TTL, T + TTL);

    // Assess
    expect(takeover).toEqual({
      acquired: true,
      fence: { holder: 'loop-b', token: 2 },
      expiresAt: T + 2 * TTL,
      baselines,
      tookOver: true,
      previousHolder: 'loop-a',
      previousReleased: false,
    });
  });

  it('only grows tokens, across expiries and releases', async () => {
    // Prepare
    const tokens: number[] = [];
    const take = async (holder: string, now: number) => {
      const result = await lease().acquire(holder, TTL, now);
      if (!result.acquired) throw new Error(`${holder} should have got the lease`);
      tokens.push(result.fence.token);
      return result.fence;
    };

    // Act
    await take('loop-a', T);
    const b = await take('loop-b', T + TTL);
    await lease().release(b);
    await take('loop-c', T + TTL + 1);
    await take('loop-a', T + 10 * TTL);

    // Assess
    expect(tokens).toEqual([1, 2, 3, 4]);
  });

  it('lets exactly one of several loops take an expired lease', async () => {
    // Prepare
    await lease().acquire('loop-a', TTL, T);

    // Act
    const results = await Promise.all(['loop-b', 'loop-c', 'loop-d'].map((holder) => lease().acquire(holder, TTL, T + TTL)));

    // Assess
    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ fence: { token: 2 }, tookOver: true });
    const winner = winners[0]!.acquired ? winners[0]!.fence.holder : '';
    for (const loser of results.filter((r) => !r.acquired)) expect(loser).toMatchObject({ holder: winner, token: 2 });
  });
});

describe('DynamoLeaseStore renew, save and release', () => {
  it('renews and saves baselines in one write while the fence holds', async () => {
    // Prepare
    const acquired = await lease().acquire('loop-a', TTL, T);
    if (!acquired.acquired) throw new Error('acquire must succeed');

    // Act
    const renewal = await lease().renew(acquired.fence, TTL, T + 1_000, baselines);

    // Assess
    expect(renewal).toEqual({ renewed: true, expiresAt: T + 1_000 + TTL });
    expect(await lease().read()).toMatchObject({ holder: 'loop-a', token: 1, expiresAt: T + 1_000 + TTL, baselines });
  });

  it('refuses the old holder once another has taken over', async () => {
    // Prepare
    const first = await lease().acquire('loop-a', TTL, T);
    if (!first.acquired) throw new Error('acquire must succeed');
    await lease().acquire('loop-b', TTL, T + TTL);

    // Act
    const renewal = await lease().renew(first.fence, TTL, T + TTL + 1);
    const save = await lease().saveBaselines(first.fence, {});
    const release = await lease().release(first.fence);

    // Assess
    expect(renewal).toEqual({ renewed: false });
    expect(save).toBe('fenced');
    expect(release).toBe('fenced');
    expect(await lease().read()).toMatchObject({ holder: 'loop-b', token: 2 });
  });

  it('releases at once, keeping the token and the baselines for the next holder', async () => {
    // Prepare
    const first = await lease().acquire('loop-a', 60_000, T);
    if (!first.acquired) throw new Error('acquire must succeed');
    await lease().renew(first.fence, 60_000, T + 1, baselines);

    // Act
    const released = await lease().release(first.fence);
    const next = await lease().acquire('loop-b', TTL, T + 2);

    // Assess
    expect(released).toBe('done');
    expect(next).toMatchObject({ acquired: true, fence: { holder: 'loop-b', token: 2 }, baselines, previousHolder: 'loop-a', previousReleased: true });
  });
});

describe('DynamoLeaseStore with a malformed lease item', () => {
  /** Sets attributes of the lease item raw, as a hand edit in the console would. */
  const editRaw = (name: string, value: AttributeValue) =>
    client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: 'lease#reconciler' } },
        UpdateExpression: 'SET #a = :v',
        ExpressionAttributeNames: { '#a': name },
        ExpressionAttributeValues: { ':v': value },
      }),
    );

  it('hands the lease over with the valid baselines when one node’s baseline holds a sequence JavaScript cannot hold', async () => {
    // Prepare
    const first = await lease().acquire('loop-a', TTL, T);
    if (!first.acquired) throw new Error('a fresh lease must be free');
    await lease().saveBaselines(first.fence, baselines);
    await editRaw('baselines', { M: { node1: { M: { seq: { N: '41' }, seenAt: { N: String(T + 500) } } }, node2: { M: { seq: { N: '9007199254740993.5' }, seenAt: { N: '1' } } } } });

    // Act
    const takeover = await lease().acquire('loop-b', TTL, T + TTL);

    // Assess
    expect(takeover).toMatchObject({ acquired: true, fence: { holder: 'loop-b', token: 2 }, baselines: { node1: { seq: 41, seenAt: T + 500 } } });
    expect((await lease().read())?.droppedBaselines).toEqual(['node2: seq: 9007199254740993.5 is not an integer']);
  });

  it('refuses a lease whose token is text with a coded error, and takes nothing', async () => {
    // Prepare
    await lease().acquire('loop-a', TTL, T);
    await editRaw('token', { S: '1' });

    // Act
    const acquire = await lease()
      .acquire('loop-b', TTL, T + TTL)
      .catch((error: unknown) => error);

    // Assess
    expect(acquire).toMatchObject({ name: 'LeaseItemInvalidError', code: 'EC2F-D010' });
    expect(String(acquire)).toMatch(/token: expected a number, got the string "1"/);
  });

  it('takes over an expired lease whose expiry has more digits than a double holds', async () => {
    // Prepare
    await lease().acquire('loop-a', TTL, T);
    await editRaw('expiresAtMs', { N: `${T}.000000000123456789` });

    // Act
    const takeover = await lease().acquire('loop-b', TTL, T + 1);

    // Assess
    expect(takeover).toMatchObject({ acquired: true, tookOver: true, fence: { holder: 'loop-b', token: 2 } });
  });
});
