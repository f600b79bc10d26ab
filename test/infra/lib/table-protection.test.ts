import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterTables, type TableRole } from '../../../src/names';
import { TABLE_DATA_WRITE_ACTIONS } from '../../../lib/table-write-policy';
import type { Ec2FailoverStack } from '../../../lib/stack';
import { asList, cleanUpAssemblies, synthStack, type PolicyStatementJson } from '../../support/synth';

/*
 * Tables only the control plane writes: a resource policy per table that denies item writes to
 * everyone but its writers (and never the control-plane API CloudFormation uses), deletion
 * protection, the reconciler's per-table actions, the alarm key's SourceAccount condition, and the
 * operator policy of docs/deploy.md consistent with all that.
 */

afterAll(() => {
  cleanUpAssemblies();
});

const OPERATOR = 'arn:aws:iam::123456789012:role/oncall';
const CONTROLLER = 'arn:aws:iam::123456789012:role/failover-controller';
const NODES = ['i-0123456789abcdef0', 'i-0fedcba9876543210'];

const logicalId = (stack: Ec2FailoverStack, construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const roleArn = (stack: Ec2FailoverStack, construct: IConstruct) => ({ 'Fn::GetAtt': [logicalId(stack, construct), 'Arn'] });
const tableArn = (tableName: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:dynamodb:us-east-1:123456789012:table/${tableName}`]],
});
const instanceArn = (instanceId: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:ec2:us-east-1:123456789012:instance/${instanceId}`]],
});

function resourcePolicyOf(template: Template, tableName: string): PolicyStatementJson[] {
  const tables = template.findResources('AWS::DynamoDB::Table', { Properties: { TableName: tableName } });
  const [table] = Object.values(tables);
  return (table?.Properties.ResourcePolicy?.PolicyDocument?.Statement ?? []) as PolicyStatementJson[];
}

function roleStatements(template: Template, stack: Ec2FailoverStack, role: IConstruct): PolicyStatementJson[] {
  const id = logicalId(stack, role);
  const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: id }] } });
  return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement as PolicyStatementJson[]);
}

/** The DynamoDB actions a role may take, per table name (from the table ARNs, literal or GetAtt, its statements name). */
function dynamoActionsByTable(template: Template, statements: readonly PolicyStatementJson[]): Record<string, string[]> {
  const tables = template.findResources('AWS::DynamoDB::Table');
  const nameOf = (resource: unknown): string | undefined => {
    const getAtt = (resource as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (getAtt) return tables[getAtt[0]]?.Properties.TableName as string | undefined;
    return /table\/([^/"]+)"/.exec(JSON.stringify(resource))?.[1];
  };
  const byTable: Record<string, string[]> = {};
  for (const statement of statements) {
    const actions = asList(statement.Action).filter((a) => a.startsWith('dynamodb:'));
    if (actions.length === 0) continue;
    for (const resource of asList(statement.Resource)) {
      const name = nameOf(resource);
      if (name) byTable[name] = [...new Set([...(byTable[name] ?? []), ...actions])].sort();
    }
  }
  return byTable;
}

describe('table resource policies', () => {
  it('denies item writes to the resources table except to the control plane, controllers and operators', () => {
    // Act
    const { template, stack } = synthStack(undefined, { operatorRoleArns: [OPERATOR], controllerRoleArns: [CONTROLLER] });

    // Assess
    const plane = stack.controlPlane;
    expect(resourcePolicyOf(template, 'prod-db-resources')).toEqual([
      {
        Sid: 'OnlyControlPlaneWrites',
        Effect: 'Deny',
        Principal: '*',
        Action: [...TABLE_DATA_WRITE_ACTIONS],
        Resource: tableArn('prod-db-resources'),
        Condition: {
          ArnNotLike: {
            'aws:PrincipalArn': [
              roleArn(stack, plane.reconciler.role!),
              roleArn(stack, plane.eventsFunction.role!),
              roleArn(stack, plane.specApplyFunction.role!),
              CONTROLLER,
              OPERATOR,
            ],
          },
        },
      },
    ]);
  });

  it('lets only the reconciler (and controllers) write history', () => {
    // Act
    const { template, stack } = synthStack();

    // Assess
    expect(resourcePolicyOf(template, 'prod-db-history')).toEqual([
      expect.objectContaining({
        Effect: 'Deny',
        Resource: tableArn('prod-db-history'),
        Condition: { ArnNotLike: { 'aws:PrincipalArn': [roleArn(stack, stack.controlPlane.reconciler.role!)] } },
      }),
    ]);
  });

  it("lets only the cluster's instances write heartbeats, and with agentRoleArns only through those roles", () => {
    // Act
    const plain = resourcePolicyOf(synthStack().template, 'prod-db-heartbeats');
    const withRoles = resourcePolicyOf(synthStack(undefined, { agentRoleArns: ['arn:aws:iam::123456789012:role/db-node'] }).template, 'prod-db-heartbeats');

    // Assess
    expect(plain).toEqual([
      expect.objectContaining({
        Sid: 'OnlyClusterNodesWrite',
        Effect: 'Deny',
        Principal: '*',
        Resource: tableArn('prod-db-heartbeats'),
        Condition: { ArnNotEquals: { 'ec2:SourceInstanceARN': NODES.map(instanceArn) } },
      }),
    ]);
    expect(withRoles[1]).toEqual(
      expect.objectContaining({ Sid: 'OnlyAgentRolesWrite', Condition: { ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::123456789012:role/db-node'] } } }),
    );
  });

  it('never names a control-plane action, so CloudFormation can always update and delete the tables', () => {
    // Act
    const { template } = synthStack();

    // Assess
    for (const schema of clusterTables('prod-db')) {
      const statements = resourcePolicyOf(template, schema.tableName);
      expect(statements.length, schema.tableName).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(asList(statement.Action).every((action) => /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|PartiQL(Insert|Update|Delete))$/.test(action))).toBe(true);
        expect(statement.Effect).toBe('Deny');
      }
    }
  });

  it('refuses an operator ARN that is not a role ARN, with its code', () => {
    // Act
    const synth = () => synthStack(undefined, { operatorRoleArns: ['arn:aws:iam::123456789012:user/alice'] });

    // Assess
    expect(synth).toThrow(/^EC2F-K007 operatorRoleArns: "arn:aws:iam::123456789012:user\/alice" is not an IAM role ARN/);
  });
});

describe('table deletion protection', () => {
  it('is on by default and can be turned off', () => {
    // Act
    const on = synthStack().template;
    const off = synthStack(undefined, { tableDeletionProtection: false }).template;

    // Assess
    on.resourcePropertiesCountIs('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true }, 3);
    off.resourcePropertiesCountIs('AWS::DynamoDB::Table', { DeletionProtectionEnabled: true }, 0);
  });
});

describe('control-plane table access', () => {
  it('gives the reconciler only the DynamoDB actions its stores call, per table', () => {
    // Act
    const { template, stack } = synthStack();

    // Assess
    expect(dynamoActionsByTable(template, roleStatements(template, stack, stack.controlPlane.reconciler.role!))).toEqual({
      'prod-db-resources': ['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
      'prod-db-heartbeats': ['dynamodb:Scan'],
      'prod-db-history': ['dynamodb:BatchWriteItem', 'dynamodb:Query'],
    });
  });

  it('gives the spec apply the writes of an apply on the resources table and the checks on every table', () => {
    // Act
    const { template, stack } = synthStack();

    // Assess
    expect(dynamoActionsByTable(template, roleStatements(template, stack, stack.controlPlane.specApplyFunction.role!))).toEqual({
      'prod-db-resources': ['dynamodb:DeleteItem', 'dynamodb:DescribeTable', 'dynamodb:DescribeTimeToLive', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:UpdateItem'],
      'prod-db-heartbeats': ['dynamodb:DescribeTable', 'dynamodb:DescribeTimeToLive'],
      'prod-db-history': ['dynamodb:DescribeTable', 'dynamodb:DescribeTimeToLive'],
    });
  });
});

describe('alarm topic key', () => {
  it('lets CloudWatch use the key, when asked for, only for alarms of this account', () => {
    // Act
    const { template } = synthStack(undefined, { alarmTopicKey: true });

    // Assess
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          }),
        ]),
      },
    });
  });
});

describe('docs/deploy.md operator policy', () => {
  const section = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'deploy.md'), 'utf8').split('## Operator permissions')[1] ?? '';
  const policy = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(section)?.[1] ?? '{}') as { Statement: PolicyStatementJson[] };

  it('writes items only in the resources table, the one table whose policy lets operators write', () => {
    // Act
    const { template } = synthStack(undefined, { operatorRoleArns: [OPERATOR] });

    // Assess
    const writes = policy.Statement.filter((s) => asList(s.Action).some((a) => TABLE_DATA_WRITE_ACTIONS.includes(a)));
    expect(writes.length).toBeGreaterThan(0);
    for (const statement of writes) expect(asList(statement.Resource)).toEqual(['arn:aws:dynamodb:<region>:<account>:table/<cluster>-resources']);
    const exempted = (role: TableRole) => JSON.stringify(resourcePolicyOf(template, `prod-db-${role}`)).includes(OPERATOR);
    expect([exempted('resources'), exempted('heartbeats'), exempted('history')]).toEqual([true, false, false]);
  });

  it('grants what the CLI calls: reads for status and history, the writes of switchover, maintenance and init, the wake of the reconciler', () => {
    // Assess
    const actions = policy.Statement.flatMap((s) => asList(s.Action)).sort();
    expect([...new Set(actions)]).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:DescribeTable',
      'dynamodb:DescribeTimeToLive',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
      'lambda:InvokeFunction',
    ]);
    expect(policy.Statement.find((s) => s.Sid === 'WakeReconciler')?.Resource).toBe('arn:aws:lambda:<region>:<account>:function:<cluster>-reconciler');
  });
});

