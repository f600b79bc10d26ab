import { Duration, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { SpecApplyProperty } from '../../../lambdas/spec-apply/custom-resource';
import { clusterTables } from '../../../src/names';
import type { ClusterConfigInput } from '../../../src/core/config';
import { CLUSTER_TAG_KEY } from '../../../lib/cluster-tag';
import { allPolicyStatements, asList, buildStack, cleanUpAssemblies, exampleConfig, synthStack, testApp } from '../../support/synth';
import { renderIntrinsics } from '../../../lib/policy-text';

/*
 * The control-plane construct as CloudFormation: tables from the schema module, arm64 Node.js 22
 * functions, the schedule and event rules, IAM that never allows a mutating EC2 action on an
 * unconditioned `*`, the agent policy, and cdk-nag's AWS Solutions checks passing.
 */

afterAll(() => {
  cleanUpAssemblies();
});

const NODE1 = 'i-0123456789abcdef0';
const NODE2 = 'i-0fedcba9876543210';

/** The example with a health alarm on node1 and fencing on the `db` group. */
function fencingConfig(): ClusterConfigInput {
  const config = exampleConfig() as { nodes: { id: string; instanceId: string; alarmName?: string }[]; resources: Record<string, unknown>[] };
  return {
    ...config,
    nodes: config.nodes.map((node) => (node.id === 'node1' ? { ...node, alarmName: 'prod-db-node1-health' } : node)),
    resources: config.resources.map((resource) => (resource.group === 'db' ? { ...resource, fencing: 'stop' } : resource)),
  } as ClusterConfigInput;
}

const READ_ONLY_EC2 = /^ec2:Describe/;

describe('Ec2FailoverControlPlane tables', () => {
  it('creates the three tables of the schema module: keys, on-demand, PITR, TTL, retained', () => {
    // Act
    const { template } = synthStack(undefined, { tableCapacity: 'on-demand' });

    // Assess
    template.resourceCountIs('AWS::DynamoDB::Table', 3);
    for (const schema of clusterTables('prod-db')) {
      const keys = [schema.partitionKey, ...(schema.sortKey ? [schema.sortKey] : [])];
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          TableName: schema.tableName,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: keys.map((key, i) => ({ AttributeName: key.name, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
          AttributeDefinitions: keys.map((key) => ({ AttributeName: key.name, AttributeType: key.type })),
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          TimeToLiveSpecification: schema.ttlAttribute ? { AttributeName: schema.ttlAttribute, Enabled: true } : Match.absent(),
        },
      });
    }
  });

  it('provisions the resources and heartbeats tables by default for on-demand runs, at the steady load rounded up plus one unit, and keeps the history on demand', () => {
    // Act
    const { template } = synthStack();

    // Assess
    // Resources: 2 nodes × 2 RRU/s of Scans and the runs' ~0.1 → 6 RCU; ~0.07 WRU/s → 2 WCU. Heartbeats: the standby's reads of its owner's beat, 0.5 RRU 4 times a second, and the runs' Scans, ~2 RRU/s → 4 RCU; 2 WRU/s → 3 WCU.
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TableName: 'prod-db-resources',
      BillingMode: Match.absent(),
      ProvisionedThroughput: { ReadCapacityUnits: 6, WriteCapacityUnits: 2 },
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'prod-db-heartbeats', ProvisionedThroughput: { ReadCapacityUnits: 4, WriteCapacityUnits: 3 } });
    template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'prod-db-history', BillingMode: 'PAY_PER_REQUEST' });
  });

  it('keeps resident runs on demand unless provisioned is asked, then sizes for every overlapping run with × 1.5 headroom', () => {
    // Act
    const resident = synthStack(undefined, { runShape: 'resident' }).template;
    const provisioned = synthStack(undefined, { runShape: 'resident', tableCapacity: 'provisioned' }).template;

    // Assess
    resident.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'prod-db-resources', BillingMode: 'PAY_PER_REQUEST' });
    resident.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'prod-db-heartbeats', BillingMode: 'PAY_PER_REQUEST' });
    // Resources: 2 + 3 standby + 2 × 2 RRU/s → 9 × 1.5 + 1 = 15 RCU; 1.2 WRU/s → 3 WCU. Heartbeats: 1 RRU/s of Scans and the standby's 2 RRU/s → 3 × 1.5 + 1 = 6 RCU; 2 WRU/s → 4 WCU.
    provisioned.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'prod-db-resources', ProvisionedThroughput: { ReadCapacityUnits: 15, WriteCapacityUnits: 3 } });
    provisioned.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'prod-db-heartbeats', ProvisionedThroughput: { ReadCapacityUnits: 6, WriteCapacityUnits: 4 } });
  });

  it('refuses a table capacity mode it does not know, with a coded error', () => {
    // Act
    const build = () => synthStack(undefined, { tableCapacity: 'reserved' as 'provisioned' });

    // Assess
    expect(build).toThrow(/EC2F-K008.*tableCapacity/);
  });

  it('expires recorded node events in the resources table by TTL on expiresAt, like the other two tables', () => {
    // Act
    const { template } = synthStack();

    // Assess
    for (const table of ['prod-db-resources', 'prod-db-heartbeats', 'prod-db-history']) {
      template.hasResourceProperties('AWS::DynamoDB::Table', { TableName: table, TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true } });
    }
  });
});

describe('Ec2FailoverControlPlane functions', () => {
  it('runs every function on Node.js 22 / arm64 with a log group that has a retention', () => {
    // Act
    const { template } = synthStack();

    // Assess: three of ours and the custom-resource framework's.
    const ours = template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('^ec2-failover') } });
    expect(Object.keys(ours)).toHaveLength(3);
    for (const fn of Object.values(ours)) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler', LoggingConfig: { LogGroup: expect.anything() } });
    }
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 4);
  });

  it('gives the reconciler its sized timeout, reserved concurrency, 256 MB and the cluster name', () => {
    // Act
    const { template } = synthStack();

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('reconcile loop'),
      Timeout: 137,
      ReservedConcurrentExecutions: 4,
      MemorySize: 256,
      Environment: { Variables: { CLUSTER_NAME: 'prod-db', EC2F_API_CALL_TIMEOUT_SECONDS: '3' } },
    });
  });

  it('refuses a timeout that leaves the loop no time, another region, and a bad config with its code', () => {
    // Act
    const tooShort = () => synthStack(exampleConfig(), { reconcilerTimeout: Duration.seconds(12) });
    const badConfig = () => synthStack({ ...exampleConfig(), cluster: 'no spaces allowed' } as ClusterConfigInput);
    const elsewhere = () => synthStack(exampleConfig(), { env: { account: '123456789012', region: 'eu-west-1' } });

    // Assess
    expect(tooShort).toThrow(/^EC2F-K003 a reconciler run loops for 5 s \(reconcilerTimeout 12 s minus its 7 s stop margin\)/);
    expect(elsewhere).toThrow('the config is for region us-east-1 but the stack deploys to eu-west-1; deploy it to us-east-1');
    expect(badConfig).toThrow(/^EC2F-C016 invalid config:\n {2}EC2F-C016 cluster: cluster names the DynamoDB tables/);
  });
});

describe('Ec2FailoverControlPlane rules', () => {
  it('starts the reconciler every minute, only once the spec is applied', () => {
    // Act
    const { template } = synthStack();

    // Assess
    const rules = template.findResources('AWS::Events::Rule', { Properties: { ScheduleExpression: 'rate(1 minute)' } });
    expect(Object.values(rules)).toHaveLength(1);
    const [rule] = Object.values(rules);
    expect(rule?.Properties.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [expect.stringMatching(/Reconciler/), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } }),
    ]);
    expect(rule?.DependsOn).toEqual([expect.stringMatching(/SpecApplySpec/)]);
  });

  it('routes every state change of the protected instances, up and down, and the configured alarms to the events function', () => {
    // Act
    const { template } = synthStack(fencingConfig());

    // Assess
    const toEvents = [Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('Events'), 'Arn'] } })];
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ec2'],
        'detail-type': ['EC2 Instance State-change Notification'],
        detail: { 'instance-id': [NODE1, NODE2], state: ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'] },
      },
      Targets: toEvents,
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['aws.cloudwatch'], 'detail-type': ['CloudWatch Alarm State Change'], detail: { alarmName: ['prod-db-node1-health'] } },
      Targets: toEvents,
    });
  });

  it('has no alarm rule when no node names an alarm', () => {
    // Act
    const { template, stack } = synthStack();

    // Assess
    template.resourceCountIs('AWS::Events::Rule', 2);
    expect(stack.controlPlane.alarmStateRule).toBeUndefined();
  });
});

describe('Ec2FailoverControlPlane IAM', () => {
  it('never allows a mutating EC2 action on an unconditioned wildcard', () => {
    for (const config of [exampleConfig(), fencingConfig()]) {
      // Act
      const { template } = synthStack(config);

      // Assess
      const statements = allPolicyStatements(template).filter(({ statement }) => statement.Effect === 'Allow');
      expect(statements.length).toBeGreaterThan(0);
      for (const { owner, statement } of statements) {
        const mutatingEc2 = asList(statement.Action).filter((action) => /^ec2:/.test(action) && !READ_ONLY_EC2.test(action));
        expect(asList(statement.Action).some((action) => action.includes('*')), `${owner}: wildcard action`).toBe(false);
        if (mutatingEc2.length === 0) continue;
        const resources = asList(statement.Resource).map((resource) => JSON.stringify(resource));
        expect(resources, `${owner} ${mutatingEc2.join(',')}`).not.toContain('"*"');
        const wildcardArns = resources.filter((resource) => resource.includes('/*'));
        if (wildcardArns.length > 0) expect(statement.Condition, `${owner} ${mutatingEc2.join(',')} on ${wildcardArns.join(' ')}`).toBeDefined();
      }
    }
  });

  it('lets the reconciler replace routes only in the protected VPCs and associate onto tagged ENIs', () => {
    // Act
    const { template } = synthStack();

    // Assess
    const statements = allPolicyStatements(template).map((s) => s.statement);
    const replaceRoute = statements.find((s) => asList(s.Action).includes('ec2:ReplaceRoute'));
    expect(JSON.stringify(replaceRoute?.Resource)).toContain(':route-table/*');
    expect(JSON.stringify(replaceRoute?.Condition?.ArnEquals?.['ec2:Vpc'])).toContain(':vpc/vpc-0abc1234');
    const associate = statements.filter((s) => asList(s.Action).includes('ec2:AssociateAddress'));
    expect(associate.map((s) => JSON.stringify(s.Resource)).join(' ')).toContain(':elastic-ip/eipalloc-0abc1234');
    expect(associate.find((s) => s.Condition)?.Condition).toEqual({ StringEquals: { [`aws:ResourceTag/${CLUSTER_TAG_KEY}`]: 'prod-db' } });
  });

  it('grants StopInstances only when a group fences, and only on its members', () => {
    // Act
    const withoutFencing = allPolicyStatements(synthStack().template).map((s) => s.statement);
    const withFencing = allPolicyStatements(synthStack(fencingConfig()).template).map((s) => s.statement);

    // Assess
    expect(withoutFencing.flatMap((s) => asList(s.Action))).not.toContain('ec2:StopInstances');
    const stop = withFencing.filter((s) => asList(s.Action).includes('ec2:StopInstances'));
    expect(stop).toHaveLength(1);
    const resources = asList(stop[0]?.Resource).map((r) => JSON.stringify(r));
    expect(resources).toHaveLength(2);
    expect(resources.join(' ')).toMatch(new RegExp(`instance/${NODE1}.*instance/${NODE2}`));
  });

  it('lets the events function write signal items only', () => {
    // Act
    const { template } = synthStack();

    // Assess
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('EventsRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: 'dynamodb:PutItem', Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['signal#*'] } } }),
        ]),
      },
    });
  });
});

describe('Ec2FailoverControlPlane spec apply, alarms and dashboard', () => {
  it('applies the config document at deploy through a custom resource that waits for the tables', () => {
    // Prepare
    const config = exampleConfig();

    // Act
    const { template } = synthStack(config);

    // Assess
    const applies = template.findResources('Custom::Ec2FailoverSpec');
    expect(Object.values(applies)).toHaveLength(1);
    const [apply] = Object.values(applies);
    expect(JSON.parse(apply?.Properties[SpecApplyProperty.config] as string)).toEqual(config);
    expect(apply?.Properties).toMatchObject({ [SpecApplyProperty.writer]: 'cdk:Test', [SpecApplyProperty.force]: 'false', [SpecApplyProperty.prune]: 'false' });
    expect(apply?.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/Tablesresources/), expect.stringMatching(/Tablesheartbeats/), expect.stringMatching(/Tableshistory/)]));
  });

  it('alarms into a topic encrypted with a key of its own only when asked, and draws a dashboard only when asked', () => {
    // Act
    const { template } = synthStack(undefined, { dashboard: true, alarmTopicKey: true });
    const defaults = synthStack().template;

    // Assess
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    defaults.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.absent() });
    defaults.resourceCountIs('AWS::KMS::Key', 0);
    // 5 per cluster, 1 per node (2 nodes): see control-plane-alarms.test.ts.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 7);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Invocations', ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching' });
    template.hasResourceProperties('AWS::Logs::MetricFilter', { FilterPattern: '{ $.level = "ERROR" }' });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    defaults.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    defaults.resourceCountIs('AWS::CloudWatch::Alarm', 7);
  });
});

/** The statements that let the agents and the events function invoke a function (the provider framework's own aside). */
function wakeStatements(template: Parameters<typeof allPolicyStatements>[0]) {
  return allPolicyStatements(template).filter(({ owner, statement }) => /^ControlPlane(AgentPolicy|EventsRole)/.test(owner) && asList(statement.Action).includes('lambda:InvokeFunction'));
}

describe('Ec2FailoverControlPlane run shape', () => {
  it('names an on-demand reconciler for its wakes, tells it its shape, and lets the events function wake it', () => {
    // Act
    const { template } = synthStack();

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'prod-db-reconciler',
      Environment: { Variables: Match.objectLike({ EC2F_RUN_SHAPE: 'on-demand', EC2F_SCHEDULE_SECONDS: '60', CLUSTER_NAME: 'prod-db' }) },
    });
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ EC2F_RECONCILER_FUNCTION: 'prod-db-reconciler' }) } });
    const invokes = wakeStatements(template);
    const rendered = invokes.map(({ statement }) => renderIntrinsics(statement.Resource, { partition: 'aws', region: 'us-east-1', accountId: '123456789012', urlSuffix: 'amazonaws.com' }));
    expect(rendered).toEqual(['arn:aws:lambda:us-east-1:123456789012:function:prod-db-reconciler', 'arn:aws:lambda:us-east-1:123456789012:function:prod-db-reconciler']);
    expect(invokes.map(({ owner }) => owner).sort()).toEqual([expect.stringMatching(/^ControlPlaneAgentPolicy/), expect.stringMatching(/^ControlPlaneEventsRoleDefaultPolicy/)]);
  });

  it('leaves a resident reconciler unnamed and unwoken, still telling it its shape', () => {
    // Act
    const { template } = synthStack(undefined, { runShape: 'resident' });

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', { FunctionName: Match.absent(), Environment: { Variables: Match.objectLike({ EC2F_RUN_SHAPE: 'resident' }) } });
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment?.Variables?.EC2F_RECONCILER_FUNCTION).toBeUndefined();
    }
    expect(wakeStatements(template)).toEqual([]);
  });

  it('refuses a run shape it does not know, with a coded error', () => {
    // Act
    const build = () => synthStack(undefined, { runShape: 'always' as 'resident' });

    // Assess
    expect(build).toThrow(/^EC2F-K009 runShape: expected on-demand or resident, not always/);
  });
});

describe('cdk-nag AWS Solutions checks', () => {
  it.each([
    ['the example config', exampleConfig],
    ['a config with fencing and an alarm', fencingConfig],
  ])('finds nothing unacknowledged with %s', (_label, config) => {
    // Prepare: the plugin must be in place before the first synth, which is cached.
    const app = testApp();
    buildStack(config(), {}, app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act
    const synth = () => app.synth();

    // Assess: a finding makes the synth throw and names the rule in the report.
    expect(synth).not.toThrow();
  });

  it('does catch a finding nobody acknowledged', () => {
    // Prepare
    const app = testApp();
    const stack = buildStack(exampleConfig(), {}, app);
    stack.controlPlane.eventsFunction.addToRolePolicy(new PolicyStatement({ actions: ['dynamodb:*'], resources: [stack.controlPlane.resourcesTable.tableArn] }));
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act
    const synth = () => app.synth();

    // Assess
    expect(synth).toThrow(/AwsSolutions-IAM5\[Action::dynamodb:\*\]/);
  });
});
