import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTimeToLiveCommand,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDynamoDbClient, testDynamoDbEndpoint, uniqueTableName } from '../../support/local-dynamodb';

describe('DynamoDB Local of the test run', () => {
  let dynamo: DynamoDBClient;
  const table = uniqueTableName('local-world');

  beforeAll(async () => {
    dynamo = testDynamoDbClient();
    await dynamo.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
  });

  afterAll(async () => {
    await dynamo?.send(new DeleteTableCommand({ TableName: table })).catch(() => undefined);
    dynamo?.destroy();
  });

  it('listens on the loopback address', () => {
    // Assess
    expect(testDynamoDbEndpoint()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('stores and returns an item', async () => {
    // Act
    await dynamo.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'group#demo' }, owner: { S: 'node1' }, epoch: { N: '1' } } }));
    const { Item } = await dynamo.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'group#demo' } }, ConsistentRead: true }));

    // Assess
    expect(Item).toEqual({ pk: { S: 'group#demo' }, owner: { S: 'node1' }, epoch: { N: '1' } });
  });

  it('refuses a conditional put whose condition fails, and returns the item it kept', async () => {
    // Prepare
    await dynamo.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'group#cas' }, version: { N: '7' } } }));

    // Act
    const failure = await dynamo
      .send(
        new PutItemCommand({
          TableName: table,
          Item: { pk: { S: 'group#cas' }, version: { N: '8' } },
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': { N: '6' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      )
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(ConditionalCheckFailedException);
    expect((failure as ConditionalCheckFailedException).Item).toEqual({ pk: { S: 'group#cas' }, version: { N: '7' } });
  });

  it('turns TTL on for an attribute and reports it', async () => {
    // Act
    await dynamo.send(new UpdateTimeToLiveCommand({ TableName: table, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } }));
    const { TimeToLiveDescription } = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: table }));

    // Assess
    expect(TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
  });

  it('applies a transaction whole, and cancels it whole when one condition fails', async () => {
    // Prepare
    const write = (pk: string, condition?: string) => ({
      Put: {
        TableName: table,
        Item: { pk: { S: pk }, written: { BOOL: true } },
        ...(condition === undefined ? {} : { ConditionExpression: condition }),
      },
    });

    // Act
    await dynamo.send(new TransactWriteItemsCommand({ TransactItems: [write('tx#a'), write('tx#b')] }));
    const cancelled = await dynamo
      .send(new TransactWriteItemsCommand({ TransactItems: [write('tx#c'), write('tx#a', 'attribute_not_exists(pk)')] }))
      .catch((error: unknown) => error);
    const itemC = await dynamo.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'tx#c' } }, ConsistentRead: true }));

    // Assess
    expect(cancelled).toBeInstanceOf(TransactionCanceledException);
    expect((cancelled as TransactionCanceledException).CancellationReasons?.map((reason) => reason.Code)).toEqual(['None', 'ConditionalCheckFailed']);
    expect(itemC.Item).toBeUndefined();
  });
});
