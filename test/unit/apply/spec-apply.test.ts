import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { applySpec } from '../../../src/apply/spec-apply';
import { ConfigError } from '../../../src/core/errors';

/*
 * How an apply reports DynamoDB refusing its writes. The behaviour of a successful apply is
 * tested against DynamoDB Local (test/integration/cli/init-command.test.ts).
 */

const dynamodb = mockClient(DynamoDBClient);
const documents = mockClient(DynamoDBDocumentClient);

const config = {
  cluster: 'prod-db',
  region: 'us-east-1',
  nodes: [{ id: 'node1', instanceId: 'i-0123456789abcdef0' }],
  resources: [
    { id: 'web-eip', mode: 'eip', allocationId: 'eipalloc-0abc1234', members: [{ node: 'node1', eni: 'eni-0aaa1111', priority: 1 }] },
  ],
};

beforeEach(() => {
  dynamodb.reset();
  documents.reset();
  dynamodb.on(DescribeTableCommand).resolves({ Table: { TableStatus: 'ACTIVE' } });
  dynamodb.on(DescribeTimeToLiveCommand).resolves({ TimeToLiveDescription: { TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' } });
  documents.on(ScanCommand).resolves({ Items: [] });
});

const apply = () => applySpec(new DynamoDBClient({ region: 'us-east-1' }), config, { writer: 'test' });

describe('applySpec', () => {
  it('reports a write lost to another writer as a concurrent apply, to be run again', async () => {
    // Prepare
    documents.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
      }),
    );

    // Act
    const result = apply();

    // Assess
    await expect(result).rejects.toMatchObject({ code: 'EC2F-A002' });
    await expect(result).rejects.toThrow(/nothing was written; run init again/);
  });

  it('reports throttling as the store being unavailable', async () => {
    // Prepare
    documents.on(TransactWriteCommand).rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));

    // Act
    const result = apply();

    // Assess
    await expect(result).rejects.toMatchObject({ code: 'EC2F-D006' });
  });

  it('creates new items only where none exist, in one transaction', async () => {
    // Prepare
    documents.on(TransactWriteCommand).resolves({});

    // Act
    const result = await apply();

    // Assess
    expect(result.transactions).toBe(1);
    const items = documents.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(items.map((i) => [i.Put?.Item?.pk, i.Put?.ConditionExpression])).toEqual([
      ['cluster', 'attribute_not_exists(#pk)'],
      ['resource#web-eip', 'attribute_not_exists(#pk)'],
    ]);
  });

  it('validates before calling DynamoDB at all', async () => {
    // Act
    const result = applySpec(new DynamoDBClient({ region: 'us-east-1' }), { ...config, nodes: [] }, { writer: 'test' });

    // Assess
    await expect(result).rejects.toBeInstanceOf(ConfigError);
    expect(dynamodb.calls()).toHaveLength(0);
    expect(documents.calls()).toHaveLength(0);
  });
});
