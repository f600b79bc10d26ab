import {
  DynamoDBClient,
  DynamoDBServiceException,
  ResourceNotFoundException,
  ScanCommand as RawScanCommand,
  TransactionCanceledException,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { allCustomMatcher, type CustomMatcher } from 'aws-sdk-client-mock-vitest';
import { beforeEach, describe, expect, it } from 'vitest';
import { statusAttributes } from '../../../../src/aws/dynamodb/state-items';
import { DynamoStateStore } from '../../../../src/aws/dynamodb/state-store';
import { parseClusterConfig } from '../../../../src/core/config';
import type { GroupSpec, GroupStatus } from '../../../../src/core/model';
import type { FencingToken } from '../../../../src/core/ports';
import { answerScan, L, M, N, NULL, rawItem, S } from '../../../support/dynamodb-answers';

expect.extend(allCustomMatcher);
declare module 'vitest' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-explicit-any
  interface Matchers<T = any> extends CustomMatcher<T> {}
}

const documents = mockClient(DynamoDBDocumentClient);
const store = () => new DynamoStateStore(DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' })), 'prod-db');

const spec = parseClusterConfig({
  cluster: 'prod-db',
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
      destination: '10.1.0.10/32',
      members: [
        { node: 'node1', eni: 'eni-01234567', priority: 1 },
        { node: 'node2', eni: 'eni-89abcdef', priority: 10 },
      ],
    },
    {
      id: 'db-eip',
      group: 'db',
      mode: 'eip',
      allocationId: 'eipalloc-0abc1234',
      members: [
        { node: 'node1', eni: 'eni-0aaa1111', priority: 1 },
        { node: 'node2', eni: 'eni-0bbb2222', priority: 10 },
      ],
    },
  ],
});
const dbGroup: GroupSpec = spec.groups.find((g) => g.id === 'db')!;
const fence: FencingToken = { holder: 'controller-a', token: 7 };

const failingOver: GroupStatus = {
  group: 'db',
  owner: 'node2',
  epoch: 3,
  phase: 'failing-over',
  version: 5,
  maintenance: false,
  repairFailures: 0,
  excluded: [],
  lastTransition: { at: 1_000, from: 'node1', to: 'node2', reason: 'failover', epoch: 3, detail: 'owner node1 failed' },
};

function cancelled(...codes: string[]): TransactionCanceledException {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes.join(', ')}]`,
    $metadata: { httpStatusCode: 400 },
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
}

beforeEach(() => {
  documents.reset();
});

describe('DynamoStateStore.commitStatus', () => {
  it('writes every resource of the group and checks the lease in one transaction', async () => {
    // Prepare
    documents.on(TransactWriteCommand).resolves({});

    // Act
    const result = await store().commitStatus(dbGroup, failingOver, fence);

    // Assess
    expect(result).toBe('committed');
    expect(documents).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
    const update = (resourceId: string) => ({
      Update: {
        TableName: 'prod-db-resources',
        Key: { pk: `resource#${resourceId}` },
        UpdateExpression:
          'SET #owner = :owner, #epoch = :epoch, #phase = :phase, #version = :version, #maintenance = :maintenance, ' +
          '#repairFailures = :repairFailures, #excluded = :excluded, #lastTransition = :lastTransition, ' +
          '#statusWrittenBy = :statusWrittenBy REMOVE #fenceNode, #request',
        ConditionExpression: 'attribute_exists(#pk) AND #group = :group AND #version = :expectedVersion',
        ExpressionAttributeNames: {
          '#owner': 'owner',
          '#epoch': 'epoch',
          '#phase': 'phase',
          '#version': 'version',
          '#maintenance': 'maintenance',
          '#repairFailures': 'repairFailures',
          '#excluded': 'excluded',
          '#fenceNode': 'fenceNode',
          '#request': 'request',
          '#lastTransition': 'lastTransition',
          '#statusWrittenBy': 'statusWrittenBy',
          '#pk': 'pk',
          '#group': 'group',
        },
        ExpressionAttributeValues: {
          ':owner': 'node2',
          ':epoch': 3,
          ':phase': 'failing-over',
          ':version': 5,
          ':maintenance': false,
          ':repairFailures': 0,
          ':excluded': [],
          ':lastTransition': { at: 1_000, from: 'node1', to: 'node2', reason: 'failover', epoch: 3, detail: 'owner node1 failed' },
          ':statusWrittenBy': 'controller-a',
          ':group': 'db',
          ':expectedVersion': 4,
        },
      },
    });
    expect(documents.commandCalls(TransactWriteCommand)[0]!.args[0].input).toEqual({
      ClientRequestToken: expect.any(String),
      TransactItems: [
        update('db-vip'),
        update('db-eip'),
        {
          ConditionCheck: {
            TableName: 'prod-db-resources',
            Key: { pk: 'lease#reconciler' },
            ConditionExpression: '#holder = :holder AND #token = :token',
            ExpressionAttributeNames: { '#holder': 'holder', '#token': 'token' },
            ExpressionAttributeValues: { ':holder': 'controller-a', ':token': 7 },
          },
        },
      ],
    });
  });

  it('expects no status at all when writing the first version', async () => {
    // Prepare
    documents.on(TransactWriteCommand).resolves({});
    const first: GroupStatus = { ...failingOver, owner: 'node1', epoch: 1, version: 1, lastTransition: undefined };

    // Act
    await store().commitStatus(dbGroup, first, fence);

    // Assess
    const [vip] = documents.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(vip!.Update!.ConditionExpression).toBe('attribute_exists(#pk) AND #group = :group AND attribute_not_exists(#version)');
    expect(vip!.Update!.ExpressionAttributeValues).not.toHaveProperty(':expectedVersion');
    expect(vip!.Update!.UpdateExpression).toContain('REMOVE #fenceNode, #request, #lastTransition');
  });

  it.each([
    ['a resource item moved on', ['None', 'ConditionalCheckFailed', 'None'], 'conflict'],
    ['another transaction holds an item', ['TransactionConflict', 'None', 'None'], 'conflict'],
    ['the lease moved on', ['None', 'None', 'ConditionalCheckFailed'], 'fenced'],
    ['both moved on', ['ConditionalCheckFailed', 'ConditionalCheckFailed', 'ConditionalCheckFailed'], 'fenced'],
  ])('reports %s as %s', async (_label, codes, expected) => {
    // Prepare
    documents.on(TransactWriteCommand).rejects(cancelled(...codes));

    // Act
    const result = await store().commitStatus(dbGroup, failingOver, fence);

    // Assess
    expect(result).toBe(expected);
  });

  it('throws a coded error when DynamoDB throttles the transaction', async () => {
    // Prepare
    documents.on(TransactWriteCommand).rejects(cancelled('ThrottlingError', 'None', 'None'));

    // Act
    const commit = store().commitStatus(dbGroup, failingOver, fence);

    // Assess
    await expect(commit).rejects.toMatchObject({ code: 'EC2F-D006', name: 'StateStoreUnavailableError' });
  });

  it('throws a coded error for any other DynamoDB failure', async () => {
    // Prepare
    documents.on(TransactWriteCommand).rejects(
      new DynamoDBServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'not allowed' }),
    );

    // Act
    const commit = store().commitStatus(dbGroup, failingOver, fence);

    // Assess
    await expect(commit).rejects.toMatchObject({ code: 'EC2F-D006' });
    await expect(commit).rejects.toThrow(/AccessDeniedException: not allowed/);
  });

  it('refuses a group too large for one transaction before calling DynamoDB', async () => {
    // Prepare
    const huge: GroupSpec = { ...dbGroup, resourceIds: Array.from({ length: 100 }, (_, i) => `r${i}`) };

    // Act
    const commit = store().commitStatus(huge, failingOver, fence);

    // Assess
    await expect(commit).rejects.toMatchObject({ code: 'EC2F-D004' });
    expect(documents).toHaveReceivedCommandTimes(TransactWriteCommand, 0);
  });
});

describe('DynamoStateStore.read', () => {
  it('tells the operator to run init when the table does not exist', async () => {
    // Prepare
    documents.on(RawScanCommand).rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }));

    // Act
    const read = store().read();

    // Assess
    await expect(read).rejects.toMatchObject({ code: 'EC2F-D001' });
    await expect(read).rejects.toThrow(/run "ec2-failover init --config FILE"/);
  });

  it('tells the operator to run init when the table holds no cluster item', async () => {
    // Prepare
    answerScan(documents, []);

    // Act
    const read = store().read();

    // Assess
    await expect(read).rejects.toMatchObject({ code: 'EC2F-D001' });
  });

  it('reads with strong consistency, page by page', async () => {
    // Prepare
    documents
      .on(RawScanCommand)
      .resolvesOnce({ Items: [], LastEvaluatedKey: { pk: S('resource#a') } })
      .resolvesOnce({ Items: [] });

    // Act
    await store().readStatuses();

    // Assess
    expect(documents).toHaveReceivedCommandTimes(RawScanCommand, 2);
    expect(documents).toHaveReceivedCommandWith(RawScanCommand, { TableName: 'prod-db-resources', ConsistentRead: true });
    expect(documents).toHaveReceivedCommandWith(RawScanCommand, { ExclusiveStartKey: { pk: S('resource#a') } });
  });

  it('rebuilds the spec and every group status from valid items, passing other kinds of item by', async () => {
    // Prepare
    answerScan(documents, [
      ...storedItems({ 'db-vip': statusAttributesOf(failingOver), 'db-eip': statusAttributesOf(failingOver) }),
      { pk: S('lease#reconciler'), kind: S('lease'), holder: N(5) },
      { pk: S('signal#instance#i-1'), kind: S('signal'), at: S('yesterday') },
      { pk: S('verdicts#reconciler'), kind: S('verdicts'), nodes: NULL },
    ]);

    // Act
    const { spec: read, statuses } = await store().read();

    // Assess
    expect(read.resources.map((r) => r.id)).toEqual(['db-eip', 'db-vip']);
    expect(statuses.get('db')).toEqual({ ...failingOver, fenceNode: undefined, request: undefined });
  });

  it.each<[string, Record<string, AttributeValue>, RegExp]>([
    ['an excluded list holding null', { excluded: L(NULL) }, /excluded\[0\]: expected a string, got null/],
    ['an excluded attribute that is a number', { excluded: N(3) }, /excluded: expected a list, got the number 3/],
    ['an epoch JavaScript cannot hold', { epoch: N('9007199254740993.5') }, /epoch: 9007199254740993\.5 is not an integer/],
    ['a version written as text', { version: S('5') }, /version: expected a number, got the string "5"/],
    ['an unknown phase', { phase: S('sideways') }, /phase: the string "sideways" is not one of "steady", "failing-over"/],
    ['a transition without its target', { lastTransition: M({ at: N(1), from: NULL, reason: S('initial'), epoch: N(1), detail: S('') }) }, /lastTransition\.to: missing/],
    ['a request of an unknown kind', { request: M({ kind: S('reboot'), id: S('r1'), requestedAt: N(1) }) }, /request\.kind/],
    ['an owner that is a list', { owner: L(S('node1')) }, /owner: expected a string, got a list/],
  ])('refuses a status with %s with a coded error naming the item, not a TypeError', async (_label, broken, problem) => {
    // Prepare
    const good = statusAttributesOf(failingOver);
    answerScan(documents, storedItems({ 'db-vip': { ...good, ...broken }, 'db-eip': good }));

    // Act
    const read = store().read();

    // Assess
    await expect(read).rejects.toMatchObject({ name: 'StoredStatusInvalidError', code: 'EC2F-D009' });
    await expect(read).rejects.toThrow(/item resource#db-vip \(group "db"\)/);
    await expect(read).rejects.toThrow(problem);
  });

  it('serves an operator request for a group while another group’s status is malformed', async () => {
    // Prepare
    const webStatus = statusAttributesOf({ ...failingOver, group: 'web', phase: 'steady' });
    answerScan(documents, [
      ...storedItems({ 'db-vip': { ...statusAttributesOf(failingOver), excluded: L(NULL) }, 'db-eip': statusAttributesOf(failingOver) }),
      ...storedWebItem(webStatus),
    ]);
    documents.on(TransactWriteCommand).resolves({});

    // Act
    const result = await store().requestOperatorAction('web', { kind: 'maintenance', enabled: true, id: 'req-1', requestedAt: 5 });

    // Assess
    expect(result).toEqual({ outcome: 'requested', version: 6 });
  });

  it.each<[string, Record<string, AttributeValue>, RegExp]>([
    ['a group that is a number', { group: N(5) }, /item resource#db-vip: group: expected a string, got the number 5/],
    ['no spec hash', { specHash: NULL }, /item resource#db-vip: specHash: expected a string, got null/],
    ['a spec that is a list', { spec: L() }, /item resource#db-vip: spec: expected a map, got a list/],
    ['a key that disagrees with its resource id', { resourceId: S('other') }, /item resource#db-vip: resourceId: "other" does not match the key/],
  ])('refuses a resource item with %s with a coded error, instead of leaving the resource out of the spec', async (_label, broken, problem) => {
    // Prepare
    const [cluster, vip, eip] = storedItems({});
    answerScan(documents, [cluster!, { ...vip!, ...broken }, eip!]);

    // Act
    const read = store().read();

    // Assess
    await expect(read).rejects.toMatchObject({ name: 'StoredSpecInvalidError', code: 'EC2F-D002' });
    await expect(read).rejects.toThrow(problem);
  });

  it('refuses a stored spec holding a number JavaScript cannot hold, naming the item and the path', async () => {
    // Prepare
    const [cluster, vip, eip] = storedItems({});
    const members = vip!.spec!.M!.members!.L!;
    const broken = { ...vip!, spec: M({ ...vip!.spec!.M!, members: L(M({ ...members[0]!.M!, priority: N('9007199254740993.5') }), members[1]!) }) };
    answerScan(documents, [cluster!, broken, eip!]);

    // Act
    const read = store().read();

    // Assess
    await expect(read).rejects.toMatchObject({ code: 'EC2F-D002' });
    await expect(read).rejects.toThrow(/item resource#db-vip: spec\.members\[0\]\.priority: 9007199254740993\.5 is beyond/);
  });

  it('refuses a cluster item with a broken spec hash', async () => {
    // Prepare
    const [cluster, vip, eip] = storedItems({});
    answerScan(documents, [{ ...cluster!, specHash: N(1) }, vip!, eip!]);

    // Act
    const read = store().read();

    // Assess
    await expect(read).rejects.toMatchObject({ code: 'EC2F-D002' });
    await expect(read).rejects.toThrow(/item cluster: specHash: expected a string, got the number 1/);
  });
});

describe('DynamoStateStore.readStatuses', () => {
  it('reports a malformed status with a coded error, the only thing its map can do', async () => {
    // Prepare
    answerScan(documents, storedItems({ 'db-vip': { ...statusAttributesOf(failingOver), maintenance: S('yes') } }));

    // Act
    const read = store().readStatuses();

    // Assess
    await expect(read).rejects.toMatchObject({ code: 'EC2F-D009' });
    await expect(read).rejects.toThrow(/maintenance: expected true or false, got the string "yes"/);
  });
});

// ---- Items as `init` stores them -----------------------------------------------------------

function statusAttributesOf(status: GroupStatus): Record<string, AttributeValue> {
  return rawItem({ ...statusAttributes(status, 'controller-a') });
}

/** The cluster item and the db group's items, with the given status attributes per resource. */
function storedItems(statuses: Record<string, Record<string, AttributeValue>>): Record<string, AttributeValue>[] {
  const cluster = rawItem({
    pk: 'cluster',
    kind: 'cluster',
    spec: { cluster: spec.cluster, region: spec.region, defaults: spec.defaults, nodes: spec.nodes },
    specHash: 'h-cluster',
    appliedHash: 'h-cluster',
  });
  const resources = spec.resources.filter((r) => r.group === 'db').map((resource) => ({
    ...rawItem({ pk: `resource#${resource.id}`, kind: 'resource', resourceId: resource.id, group: resource.group, spec: resource, specHash: `h-${resource.id}` }),
    ...(statuses[resource.id] ?? {}),
  }));
  return [cluster, ...resources];
}

function storedWebItem(status: Record<string, AttributeValue>): Record<string, AttributeValue>[] {
  const web = {
    id: 'web',
    mode: 'eip',
    allocationId: 'eipalloc-0fff0000',
    members: [
      { node: 'node1', eni: 'eni-0aaa9999', priority: 1 },
      { node: 'node2', eni: 'eni-0bbb9999', priority: 10 },
    ],
  };
  return [{ ...rawItem({ pk: 'resource#web', kind: 'resource', resourceId: 'web', group: 'web', spec: web, specHash: 'h-web' }), ...status }];
}
