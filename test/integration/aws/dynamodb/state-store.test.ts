import { DynamoDBClient, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoLeaseStore } from '../../../../src/aws/dynamodb/lease-store';
import { applySpec } from '../../../../src/apply/spec-apply';
import type { MalformedItem } from '../../../../src/aws/dynamodb/item-schema';
import { SignalStore } from '../../../../src/aws/dynamodb/signal-store';
import { DynamoStateStore } from '../../../../src/aws/dynamodb/state-store';
import type { ClusterConfigInput } from '../../../../src/core/config';
import type { GroupSpec, GroupStatus, HistoryEntry } from '../../../../src/core/model';
import type { FencingToken } from '../../../../src/core/ports';
import { testDynamoDbClient, uniqueTableName } from '../../../support/local-dynamodb';

/*
 * The state store against DynamoDB Local: conditional ownership writes, lost races, group
 * atomicity, fencing, operator requests and history order.
 */

let client: DynamoDBClient;
let documents: DynamoDBDocumentClient;

beforeAll(() => {
  client = testDynamoDbClient();
  documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
});

afterAll(() => {
  client?.destroy();
});

/** The README's example, with the database's Elastic IP added to group `db`. */
function clusterConfig(cluster: string): ClusterConfigInput {
  return {
    cluster,
    region: 'us-east-1',
    nodes: [
      { id: 'node1', instanceId: 'i-0123456789abcdef0' },
      { id: 'node2', instanceId: 'i-0fedcba9876543210' },
    ],
    resources: [
      {
        id: 'db-vip',
        group: 'db',
        mode: 'route',
        vpcId: 'vpc-0abc1234',
        vpcCidr: '10.0.0.0/16',
        destination: '10.1.0.10/32',
        routeTables: 'all',
        members: [
          { node: 'node1', eni: 'eni-01234567', priority: 1 },
          { node: 'node2', eni: 'eni-89abcdef', priority: 10 },
        ],
      },
      {
        id: 'db-eip',
        group: 'db',
        mode: 'eip',
        allocationId: 'eipalloc-0def5678',
        members: [
          { node: 'node1', eni: 'eni-0ccc3333', priority: 1 },
          { node: 'node2', eni: 'eni-0ddd4444', priority: 10 },
        ],
      },
      {
        id: 'web-eip',
        mode: 'eip',
        allocationId: 'eipalloc-0abc1234',
        switchback: 'automatic',
        members: [
          { node: 'node1', eni: 'eni-0aaa1111', priority: 1 },
          { node: 'node2', eni: 'eni-0bbb2222', priority: 10, privateIp: '10.0.2.15' },
        ],
      },
    ],
  };
}

const uniqueCluster = () => uniqueTableName('state');

interface Cluster {
  readonly name: string;
  readonly store: DynamoStateStore;
  readonly lease: DynamoLeaseStore;
  readonly db: GroupSpec;
  readonly fence: FencingToken;
}

let cluster: Cluster;

beforeEach(async () => {
  const name = uniqueCluster();
  await applySpec(client, clusterConfig(name), { writer: 'test' });
  const store = new DynamoStateStore(documents, name);
  const lease = new DynamoLeaseStore(documents, name);
  const acquired = await lease.acquire('loop-a', 60_000, Date.now());
  if (!acquired.acquired) throw new Error('the lease of a fresh cluster must be free');
  const { spec } = await store.read();
  cluster = { name, store, lease, db: spec.groups.find((g) => g.id === 'db')!, fence: acquired.fence };
});

function ownedBy(owner: string, version: number, epoch = version): GroupStatus {
  return {
    group: 'db',
    owner,
    epoch,
    phase: 'failing-over',
    version,
    maintenance: false,
    repairFailures: 0,
    excluded: [],
    lastTransition: { at: 1_000 * version, from: null, to: owner, reason: 'initial', epoch, detail: 'test' },
  };
}

async function rawItem(resourceId: string): Promise<Record<string, unknown>> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: `${cluster.name}-resources`, Key: { pk: `resource#${resourceId}` }, ConsistentRead: true }),
  );
  return Item!;
}

describe('DynamoStateStore.read', () => {
  it('rebuilds the applied spec and has no status before the first commit', async () => {
    // Act
    const { spec, statuses } = await cluster.store.read();

    // Assess
    expect(spec.cluster).toBe(cluster.name);
    expect(spec.resources.map((r) => r.id)).toEqual(['db-eip', 'db-vip', 'web-eip']);
    expect(spec.groups.map((g) => [g.id, g.resourceIds])).toEqual([
      ['db', ['db-eip', 'db-vip']],
      ['web-eip', ['web-eip']],
    ]);
    expect(statuses.size).toBe(0);
  });

  it('carries the node events recorded beside the state, read in the same single Scan, and reports a malformed one', async () => {
    // Prepare
    const at = Math.floor(Date.now() / 1000) * 1000 - 10_000;
    await new SignalStore(documents, cluster.name).recordSignal({ signal: { kind: 'instance-state', instanceId: 'i-0123456789abcdef0', state: 'stopped' }, at });
    await client.send(
      new PutItemCommand({
        TableName: `${cluster.name}-resources`,
        Item: { pk: { S: 'signal#alarm#node2-health' }, kind: { S: 'signal' }, at: { S: 'soon' } },
      }),
    );
    const reported: MalformedItem[] = [];
    const own = testDynamoDbClient();
    const sent: string[] = [];
    own.middlewareStack.add((next, context) => (args) => {
      sent.push(context.commandName ?? '?');
      return next(args);
    });
    const store = new DynamoStateStore(DynamoDBDocumentClient.from(own), cluster.name, { signals: { onMalformed: (item) => reported.push(item) } });

    // Act
    const { spec, signals } = await store.read().finally(() => own.destroy());

    // Assess
    expect(spec.resources).toHaveLength(3);
    expect(signals).toEqual([{ at, signal: { kind: 'instance-state', instanceId: 'i-0123456789abcdef0', state: 'stopped' } }]);
    expect(reported.map((item) => [item.code, item.key])).toEqual([['EC2F-D012', 'signal#alarm#node2-health']]);
    expect(sent).toEqual(['ScanCommand']);
  });
});

/** Sets attributes of a resources-table item raw, as a hand edit in the console would. */
async function editRaw(pk: string, attributes: Record<string, AttributeValue>): Promise<void> {
  const names = Object.keys(attributes);
  await client.send(
    new UpdateItemCommand({
      TableName: `${cluster.name}-resources`,
      Key: { pk: { S: pk } },
      UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((name, i) => [`#a${i}`, name])),
      ExpressionAttributeValues: Object.fromEntries(names.map((name, i) => [`:v${i}`, attributes[name]!])),
    }),
  );
}

describe('DynamoStateStore with malformed items', () => {
  it('refuses a status holding null in its excluded list with a coded error naming the item, and serves the other groups’ requests', async () => {
    // Prepare
    await cluster.store.commitStatus(cluster.db, ownedBy('node1', 1), cluster.fence);
    await editRaw('resource#db-vip', { excluded: { L: [{ NULL: true }] } });

    // Act
    const other = await cluster.store.requestOperatorAction('web-eip', { kind: 'maintenance', enabled: true, id: 'req-w', requestedAt: 1 });
    const read = cluster.store.read();

    // Assess
    await expect(read).rejects.toMatchObject({ name: 'StoredStatusInvalidError', code: 'EC2F-D009', item: 'resource#db-vip', group: 'db' });
    await expect(read).rejects.toThrow(/excluded\[0\]: expected a string, got null/);
    expect(other).toEqual({ outcome: 'requested', version: 1 });
  });

  it('refuses an epoch JavaScript cannot hold, written raw, instead of reading it rounded', async () => {
    // Prepare
    await cluster.store.commitStatus(cluster.db, ownedBy('node1', 1), cluster.fence);
    await editRaw('resource#db-eip', { epoch: { N: '9007199254740993.5' } });

    // Act
    const read = cluster.store.readStatuses();

    // Assess
    await expect(read).rejects.toMatchObject({ code: 'EC2F-D009', item: 'resource#db-eip' });
    await expect(read).rejects.toThrow(/epoch: 9007199254740993\.5 is not an integer/);
  });

  it('refuses a stored spec holding a number JavaScript cannot hold, and init --force repairs it', async () => {
    // Prepare: an edit by another writer (its own hash, so init sees the item changed)
    await editRaw('resource#web-eip', {
      spec: { M: { id: { S: 'web-eip' }, mode: { S: 'eip' }, allocationId: { S: 'eipalloc-0abc1234' }, priority: { N: '9007199254740993.5' } } },
      specHash: { S: 'edited-elsewhere' },
    });

    // Act
    const broken = await cluster.store.read().catch((error: unknown) => error);
    await applySpec(client, clusterConfig(cluster.name), { writer: 'test', force: true });
    const repaired = await cluster.store.read();

    // Assess
    expect(broken).toMatchObject({ code: 'EC2F-D002' });
    expect(String(broken)).toMatch(/item resource#web-eip: spec\.priority: 9007199254740993\.5 is beyond/);
    expect(repaired.spec.resources.map((r) => r.id)).toEqual(['db-eip', 'db-vip', 'web-eip']);
  });

  it('refuses a resource item whose group is unreadable, instead of leaving the resource unprotected', async () => {
    // Prepare
    await editRaw('resource#db-eip', { group: { N: '5' } });

    // Act
    const read = cluster.store.read();

    // Assess
    await expect(read).rejects.toMatchObject({ code: 'EC2F-D002' });
    await expect(read).rejects.toThrow(/item resource#db-eip: group: expected a string, got the number 5; correct that attribute/);
  });
});

describe('DynamoStateStore.commitStatus', () => {
  it('changes ownership by a conditional write on the version', async () => {
    // Prepare
    await cluster.store.commitStatus(cluster.db, ownedBy('node1', 1), cluster.fence);

    // Act
    const result = await cluster.store.commitStatus(cluster.db, { ...ownedBy('node2', 2), fenceNode: 'node1' }, cluster.fence);

    // Assess
    expect(result).toBe('committed');
    const { statuses } = await cluster.store.read();
    expect(statuses.get('db')).toEqual({ ...ownedBy('node2', 2), fenceNode: 'node1', request: undefined });
    expect(statuses.has('web-eip')).toBe(false);
  });

  it('lets exactly one of two writers from the same version win, and never overwrites the winner', async () => {
    // Prepare
    await cluster.store.commitStatus(cluster.db, ownedBy('node1', 1), cluster.fence);
    const otherStore = new DynamoStateStore(documents, cluster.name);

    // Act
    const results = await Promise.all([
      cluster.store.commitStatus(cluster.db, ownedBy('node2', 2), cluster.fence),
      otherStore.commitStatus(cluster.db, { ...ownedBy('node1', 2, 1), maintenance: true }, cluster.fence),
    ]);

    // Assess
    expect([...results].sort()).toEqual(['committed', 'conflict']);
    const winner = results[0] === 'committed' ? ownedBy('node2', 2) : { ...ownedBy('node1', 2, 1), maintenance: true };
    const { statuses } = await cluster.store.read();
    expect(statuses.get('db')).toMatchObject({ owner: winner.owner, maintenance: winner.maintenance, version: 2 });
  });

  it('reports a write from a stale version as a conflict and changes nothing', async () => {
    // Prepare
    await cluster.store.commitStatus(cluster.db, ownedBy('node1', 1), cluster.fence);
    await cluster.store.commitStatus(cluster.db, ownedBy('node2', 2), cluster.fence);

    // Act
    const result = await cluster.store.commitStatus(cluster.db, ownedBy('node1', 2, 3), cluster.fence);

    // Assess
    expect(result).toBe('conflict');
    expect((await cluster.store.read()).statuses.get('db')).toMatchObject({ owner: 'node2', epoch: 2, version: 2 });
  });

  it('moves every resource of a group in one transaction: all items agree', async () => {
    // Act
    await cluster.store.commitStatus(cluster.db, ownedBy('node2', 1), cluster.fence);

    // Assess
    const items = await Promise.all(['db-vip', 'db-eip'].map(rawItem));
    expect(items.map((i) => [i.owner, i.epoch, i.version, i.statusWrittenBy])).toEqual([
      ['node2', 1, 1, 'loop-a'],
      ['node2', 1, 1, 'loop-a'],
    ]);
  });

  it('writes none of the group when one of its items moved on', async () => {
    // Prepare
    await cluster.store.commitStatus(cluster.db, ownedBy('node1', 1), cluster.fence);
    await documents.send(
      new UpdateCommand({
        TableName: `${cluster.name}-resources`,
        Key: { pk: 'resource#db-eip' },
        UpdateExpression: 'SET #version = :v',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':v': 5 },
      }),
    );

    // Act
    const result = await cluster.store.commitStatus(cluster.db, ownedBy('node2', 2), cluster.fence);

    // Assess
    expect(result).toBe('conflict');
    expect((await rawItem('db-vip')).owner).toBe('node1');
    expect((await rawItem('db-eip')).owner).toBe('node1');
  });

  it('refuses writes fenced by a token that another holder has since replaced', async () => {
    // Prepare
    await cluster.store.commitStatus(cluster.db, ownedBy('node1', 1), cluster.fence);
    await cluster.lease.release(cluster.fence);
    const takeover = await new DynamoLeaseStore(documents, cluster.name).acquire('loop-b', 60_000, Date.now());
    if (!takeover.acquired) throw new Error('a released lease must be free');

    // Act
    const stale = await cluster.store.commitStatus(cluster.db, ownedBy('node2', 2), cluster.fence);
    const current = await cluster.store.commitStatus(cluster.db, ownedBy('node2', 2), takeover.fence);

    // Assess
    expect(takeover.fence.token).toBe(cluster.fence.token + 1);
    expect(stale).toBe('fenced');
    expect(current).toBe('committed');
    expect((await rawItem('db-vip')).statusWrittenBy).toBe('loop-b');
  });

  it('reports a conflict when the resource was pruned since the read, without recreating it', async () => {
    // Prepare
    const config = clusterConfig(cluster.name);
    await applySpec(client, { ...config, resources: config.resources.filter((r) => r.id !== 'db-eip') }, { writer: 'test', prune: true });

    // Act
    const result = await cluster.store.commitStatus(cluster.db, ownedBy('node1', 1), cluster.fence);

    // Assess
    expect(result).toBe('conflict');
    const { Item } = await documents.send(new GetCommand({ TableName: `${cluster.name}-resources`, Key: { pk: 'resource#db-eip' } }));
    expect(Item).toBeUndefined();
  });

  it('writes a transition entry in the same transaction as the status: both or neither', async () => {
    // Prepare
    const entry = (epoch: number, to: string): HistoryEntry => ({ at: 1_000 + epoch, group: 'db', kind: 'transition', epoch, message: `failover → ${to}` });
    await cluster.store.commitStatus(cluster.db, ownedBy('node1', 1), cluster.fence, [entry(1, 'node1')]);

    // Act: one commit that wins, one that loses on the version, one fenced
    const won = await cluster.store.commitStatus(cluster.db, ownedBy('node2', 2), cluster.fence, [entry(2, 'node2')]);
    const lost = await cluster.store.commitStatus(cluster.db, ownedBy('node1', 2, 3), cluster.fence, [entry(3, 'node1')]);
    await cluster.lease.release(cluster.fence);
    await new DynamoLeaseStore(documents, cluster.name).acquire('loop-b', 60_000, Date.now());
    const fenced = await cluster.store.commitStatus(cluster.db, ownedBy('node1', 3), cluster.fence, [entry(3, 'node1')]);

    // Assess
    expect([won, lost, fenced]).toEqual(['committed', 'conflict', 'fenced']);
    const history = await cluster.store.readHistory({ group: 'db' });
    expect(history.map((h) => [h.kind, h.epoch])).toEqual([
      ['transition', 1],
      ['transition', 2],
    ]);
  });
});

describe('DynamoStateStore.requestOperatorAction', () => {
  it('records the request on every item of the group at the next version', async () => {
    // Prepare
    await cluster.store.commitStatus(cluster.db, ownedBy('node1', 1), cluster.fence);
    const request = { kind: 'switchover', to: 'node2', id: 'req-1', requestedAt: 5 } as const;

    // Act
    const result = await cluster.store.requestOperatorAction('db', request);

    // Assess
    expect(result).toEqual({ outcome: 'requested', version: 2 });
    expect((await cluster.store.readStatuses()).get('db')).toMatchObject({ owner: 'node1', version: 2, request });
    expect((await rawItem('db-eip')).request).toEqual(request);
    // The reconciler that read version 1 must now re-read rather than drop the request.
    expect(await cluster.store.commitStatus(cluster.db, { ...ownedBy('node1', 2), phase: 'steady' }, cluster.fence)).toBe('conflict');
  });

  it('records a request for a group that has no status yet', async () => {
    // Act
    const result = await cluster.store.requestOperatorAction('db', { kind: 'maintenance', enabled: true, id: 'req-2', requestedAt: 1 });

    // Assess
    expect(result).toEqual({ outcome: 'requested', version: 1 });
    expect((await cluster.store.read()).statuses.get('db')).toMatchObject({ owner: null, epoch: 0, version: 1, request: { id: 'req-2' } });
  });

  it('does not replace a request the reconciler has not served yet', async () => {
    // Prepare
    await cluster.store.requestOperatorAction('db', { kind: 'maintenance', enabled: true, id: 'first', requestedAt: 1 });

    // Act
    const result = await cluster.store.requestOperatorAction('db', { kind: 'switchover', to: 'node2', id: 'second', requestedAt: 2 });

    // Assess
    expect(result).toMatchObject({ outcome: 'busy', pending: { id: 'first' } });
  });

  it('names the known groups when the group does not exist', async () => {
    // Act
    const request = cluster.store.requestOperatorAction('nope', { kind: 'maintenance', enabled: true, id: 'x', requestedAt: 1 });

    // Assess
    await expect(request).rejects.toMatchObject({ code: 'EC2F-D005' });
    await expect(request).rejects.toThrow(/known groups: db, web-eip/);
  });
});

describe('history', () => {
  const entry = (at: number, message: string, group = 'db'): HistoryEntry => ({ at, group, kind: 'transition', epoch: 1, message });

  it('returns a group’s entries in the order they happened, same-millisecond ones in append order', async () => {
    // Prepare
    await cluster.store.appendHistory([entry(2_000, 'b'), entry(2_000, 'c'), entry(1_000, 'a')]);
    await cluster.store.appendHistory([entry(2_000, 'd'), entry(3_000, 'e', 'web-eip')]);
    await cluster.store.appendHistory(Array.from({ length: 30 }, (_, i) => entry(4_000 + i, `bulk-${i}`)));

    // Act
    const all = await cluster.store.readHistory({ group: 'db' });
    const newest = await cluster.store.readHistory({ group: 'db', limit: 3 });
    const since = await cluster.store.readHistory({ group: 'db', since: 2_000, limit: 4 });
    const everyGroup = await cluster.store.readHistory({ since: 2_000, limit: 5 });

    // Assess
    expect(all.map((e) => e.message)).toEqual(['a', 'b', 'c', 'd', ...Array.from({ length: 30 }, (_, i) => `bulk-${i}`)]);
    expect(newest.map((e) => e.message)).toEqual(['bulk-27', 'bulk-28', 'bulk-29']);
    expect(since.map((e) => e.message)).toEqual(['bulk-26', 'bulk-27', 'bulk-28', 'bulk-29']);
    expect(everyGroup.map((e) => e.message)).toEqual(['bulk-25', 'bulk-26', 'bulk-27', 'bulk-28', 'bulk-29']);
    expect((await cluster.store.readHistory({ since: 2_500 })).slice(0, 2).map((e) => [e.group, e.message])).toEqual([
      ['web-eip', 'e'],
      ['db', 'bulk-0'],
    ]);
  });

  it('keeps optional fields and details', async () => {
    // Prepare
    const detailed: HistoryEntry = { ...entry(10, 'repair'), kind: 'repair', resource: 'db-vip', details: { result: 'ok', elapsedMs: 12, none: undefined } };

    // Act
    await cluster.store.appendHistory([detailed]);
    const [stored] = await cluster.store.readHistory({ group: 'db' });

    // Assess
    expect(stored).toMatchObject({ at: 10, kind: 'repair', resource: 'db-vip', details: { result: 'ok', elapsedMs: 12 } });
  });

  it('leaves out an entry JavaScript cannot read, reports it, and shows the others', async () => {
    // Prepare
    await cluster.store.appendHistory([entry(1_000, 'a'), entry(3_000, 'c')]);
    await client.send(
      new PutItemCommand({
        TableName: `${cluster.name}-history`,
        Item: { group: { S: 'db' }, seq: { S: '000000000002000#x' }, at: { N: '2000' }, kind: { S: 'transition' }, epoch: { N: '9007199254740993.5' }, message: { S: 'b' } },
      }),
    );

    // Act
    const read = await cluster.store.readHistoryChecked({ group: 'db' });

    // Assess
    expect(read.entries.map((e) => e.message)).toEqual(['a', 'c']);
    expect(read.malformed).toEqual([
      { code: 'EC2F-D013', table: `${cluster.name}-history`, key: 'db 000000000002000#x', problem: 'epoch: 9007199254740993.5 is not an integer' },
    ]);
    expect((await cluster.store.readHistory({ group: 'db' })).map((e) => e.message)).toEqual(['a', 'c']);
  });
});
