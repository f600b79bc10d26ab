import {
  DynamoDBClient,
  DynamoDBServiceException,
  ResourceNotFoundException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { allCustomMatcher, type CustomMatcher } from 'aws-sdk-client-mock-vitest';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoStateStore } from '../../../../src/aws/dynamodb/state-store';
import { parseClusterConfig } from '../../../../src/core/config';
import type { GroupSpec, GroupStatus } from '../../../../src/core/model';
import type { FencingToken } from '../../../../src/core/ports';

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
    documents.on(ScanCommand).rejects(new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }));

    // Act
    const read = store().read();

    // Assess
    await expect(read).rejects.toMatchObject({ code: 'EC2F-D001' });
    await expect(read).rejects.toThrow(/run "ec2-failover init --config FILE"/);
  });

  it('tells the operator to run init when the table holds no cluster item', async () => {
    // Prepare
    documents.on(ScanCommand).resolves({ Items: [] });

    // Act
    const read = store().read();

    // Assess
    await expect(read).rejects.toMatchObject({ code: 'EC2F-D001' });
  });

  it('reads with strong consistency, page by page', async () => {
    // Prepare
    documents
      .on(ScanCommand)
      .resolvesOnce({ Items: [], LastEvaluatedKey: { pk: 'resource#a' } })
      .resolvesOnce({ Items: [] });

    // Act
    await store().readStatuses();

    // Assess
    expect(documents).toHaveReceivedCommandTimes(ScanCommand, 2);
    expect(documents).toHaveReceivedCommandWith(ScanCommand, { TableName: 'prod-db-resources', ConsistentRead: true });
    expect(documents).toHaveReceivedCommandWith(ScanCommand, { ExclusiveStartKey: { pk: 'resource#a' } });
  });
});
