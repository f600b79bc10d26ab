import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoDbClient } from '../../../../src/aws/dynamodb/client';
import { SpecApplyProperty, type SpecApplyResponse } from '../../../../lambdas/spec-apply/custom-resource';
import { editStoredResource } from '../../../../src/apply/spec-edit';
import { DynamoStateStore } from '../../../../src/aws/dynamodb/state-store';
import { clusterTables } from '../../../../src/names';
import type { ClusterConfigInput } from '../../../../src/core/config';
import { LOCAL_CREDENTIALS } from '../../../../src/local/local-credentials';
import { testDynamoDbClient, testDynamoDbEndpoint, uniqueTableName } from '../../../support/local-dynamodb';

/*
 * The spec-apply custom resource handler, invoked as the CDK Provider framework does, against
 * DynamoDB Local: create applies the config, an update that would overwrite a CLI edit fails with
 * EC2F-A001 (which fails the deployment), delete keeps the stored spec.
 */

const REGION = 'us-east-1';

let client: DynamoDBClient;
let documents: DynamoDBDocumentClient;
let cluster: string;
let handler: (event: CloudFormationCustomResourceEvent, context: Context) => Promise<SpecApplyResponse>;
const savedEnvironment = new Map<string, string | undefined>();

function config(destination: string): ClusterConfigInput {
  return {
    cluster,
    region: REGION,
    nodes: [
      { id: 'node1', instanceId: 'i-0123456789abcdef0' },
      { id: 'node2', instanceId: 'i-0fedcba9876543210' },
    ],
    resources: [
      {
        id: 'db-vip',
        mode: 'route',
        vpcId: 'vpc-0abc1234',
        destination,
        members: [
          { node: 'node1', eni: 'eni-01234567', priority: 1 },
          { node: 'node2', eni: 'eni-89abcdef', priority: 10 },
        ],
      },
    ],
  };
}

function event(requestType: 'Create' | 'Update' | 'Delete', document: ClusterConfigInput): CloudFormationCustomResourceEvent {
  const common = {
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
    ResponseURL: 'https://example.invalid/response',
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/ec2-failover-test/1',
    RequestId: `${requestType}-1`,
    LogicalResourceId: 'ControlPlaneSpecApplySpec',
    ResourceType: 'Custom::Ec2FailoverSpec',
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
      [SpecApplyProperty.config]: JSON.stringify(document),
      [SpecApplyProperty.writer]: 'cdk:ec2-failover-test',
      [SpecApplyProperty.force]: 'false',
      [SpecApplyProperty.prune]: 'false',
    },
  };
  if (requestType === 'Create') return { ...common, RequestType: 'Create' };
  const PhysicalResourceId = `ec2-failover-spec:${cluster}`;
  if (requestType === 'Update') return { ...common, RequestType: 'Update', PhysicalResourceId, OldResourceProperties: common.ResourceProperties };
  return { ...common, RequestType: 'Delete', PhysicalResourceId };
}

const context = {
  functionName: 'spec-apply',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:spec-apply',
  memoryLimitInMB: '256',
  awsRequestId: 'req-apply',
  getRemainingTimeInMillis: () => 60_000,
} as Context;

beforeAll(async () => {
  client = testDynamoDbClient();
  documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  cluster = uniqueTableName('cr');
  for (const [name, value] of Object.entries({
    AWS_ENDPOINT_URL_DYNAMODB: testDynamoDbEndpoint(),
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'WARN',
  })) {
    savedEnvironment.set(name, process.env[name]);
    process.env[name] = value;
  }
  ({ handler } = await import('../../../../lambdas/spec-apply/handler'));
});

afterAll(async () => {
  for (const table of clusterTables(cluster)) await client.send(new DeleteTableCommand({ TableName: table.tableName })).catch(() => undefined);
  client?.destroy();
  dynamoDbClient(REGION).destroy();
  for (const [name, value] of savedEnvironment) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

describe('spec-apply custom resource handler', () => {
  it('applies the config on create, refuses to overwrite a CLI edit on update, and keeps the spec on delete', async () => {
    // Act 1: the first deploy.
    const created = await handler(event('Create', config('10.1.0.10/32')), context);

    // Assess 1
    expect(created).toEqual({ PhysicalResourceId: `ec2-failover-spec:${cluster}`, Data: { Added: '2', Changed: '0', Removed: '0', Unchanged: '0', Transactions: '1' } });
    const state = new DynamoStateStore(documents, cluster);
    expect((await state.read()).spec.resources[0]).toMatchObject({ id: 'db-vip', destination: '10.1.0.10/32' });

    // Prepare 2: an operator moves the VIP with the CLI; then a deploy brings a different file.
    await editStoredResource(documents, cluster, 'db-vip', (spec) => ({ ...spec, destination: '10.1.0.11/32' }), 'cli:alice');

    // Act 2
    const updating = handler(event('Update', config('10.1.0.12/32')), context);

    // Assess 2: the deployment fails with the coded message, and the edit survives.
    await expect(updating).rejects.toThrow(/^EC2F-A001 the stored spec of cluster .* was changed by another writer.*\n {2}resource db-vip \(edited by cli:alice\)/s);
    expect((await state.read()).spec.resources[0]).toMatchObject({ destination: '10.1.0.11/32' });

    // Act 3: the stack is deleted.
    const deleted = await handler(event('Delete', config('10.1.0.12/32')), context);

    // Assess 3
    expect(deleted).toEqual({ PhysicalResourceId: `ec2-failover-spec:${cluster}` });
    expect((await state.read()).spec.resources[0]).toMatchObject({ destination: '10.1.0.11/32' });
  });

  it('refuses a request without the config with its code', async () => {
    // Prepare
    const request = event('Create', config('10.1.0.10/32'));
    delete (request.ResourceProperties as Record<string, unknown>)[SpecApplyProperty.config];

    // Act
    const applying = handler(request, context);

    // Assess
    await expect(applying).rejects.toThrow(/^EC2F-F002 the custom resource has no ConfigJson property/);
  });
});
