import { ArnFormat, Duration, Stack, Token, type CustomResource } from 'aws-cdk-lib';
import type { Alarm, Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Grant, type ManagedPolicy } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays, type QueryDefinition } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_RUN_SHAPE, LambdaEnvironmentVariable, reconcilerFunctionName, RUN_SHAPES, SignalItemKey, type RunShape, type TableRole } from '../src/names';
import { parseClusterConfig, type ClusterConfigInput } from '../src/core/config';
import type { ClusterSpec } from '../src/core/model';
import { runShapeOf } from '../src/cost/run-shape';
import { provisionedCapacity } from '../src/cost/table-capacity';
import { DEFAULT_USAGE_ASSUMPTIONS } from '../src/cost/usage-assumptions';
import { createAgentPolicies } from './agent-policies';
import { ClusterTables, type ClusterTablesProps } from './cluster-tables';
import { ControlPlaneMonitoring } from './control-plane-monitoring';
import { FailoverFunction } from './failover-function';
import { acknowledgeWildcards } from './nag-acknowledgements';
import { NodeEventRules } from './node-event-rules';
import { reconcilerEc2Statements } from './reconciler-ec2-policy';
import { reconcilerEventsStatement } from './reconciler-events-policy';
import { ConstructPropsError } from './deploy-errors';
import { checkRoleArns } from './role-arns';
import { FailureQueue } from './failure-queue';
import { reconcilerSizing, type ReconcilerSizing } from './reconciler-sizing';
import { SpecApplyResource } from './spec-apply-resource';
import { RECONCILER_TABLE_ACTIONS } from './table-access';

/*
 * The serverless control plane of one cluster: its tables, the reconciler (a scheduled run that
 * ticks every check interval, until the cluster is steady or until its deadline, by run shape),
 * the events receiver, the deploy-time spec apply, least-privilege IAM, the node agents' managed
 * policy, alarms and a dashboard. Drop it into any CDK app.
 */

export interface Ec2FailoverControlPlaneProps {
  /**
   * How the reconciler runs. `on-demand`: every scheduled run, and every run the agents, the
   * events function or an operator command wakes (an asynchronous Invoke of the function, named
   * `<cluster>-reconciler`), ticks until the cluster is steady and stops: a steady run is one
   * tick. `resident`: every run ticks until its deadline and the runs overlap, so one is
   * always ticking (about $24 a month more at the defaults; `ec2-failover cost` shows
   * both). Checked, EC2F-K009.
   * @default 'on-demand'
   */
  readonly runShape?: RunShape;
  /**
   * The cluster config document (YAML or JSON, parsed), exactly what `ec2-failover init` reads.
   * It is validated here: a bad config throws the coded ConfigError before anything is built.
   */
  readonly config: ClusterConfigInput;
  /**
   * Memory of the reconciler function in MiB. The SDK clients alone take about 120 MB.
   * @default 256
   */
  readonly reconcilerMemorySize?: number;
  /**
   * How often a reconciler run starts; a `rate(…)` expression.
   * @default Schedule.rate(Duration.minutes(1))
   */
  readonly reconcilerSchedule?: Schedule;
  /**
   * How late a scheduled run may start after its nominal time. EventBridge fires a scheduled rule
   * anywhere within its minute, and the function may start several seconds after that.
   * @default Duration.seconds(70): the minute, plus 10 s for delivery and a cold start
   */
  readonly reconcilerScheduleLateness?: Duration;
  /**
   * Timeout of one reconciler run; the loop stops and releases the lease a margin
   * (2 × apiCallTimeoutSeconds + checkIntervalSeconds) before it. It must reach past the latest
   * start of the next run: timeout ≥ schedule period + lateness + stop margin (checked, EC2F-K003).
   * @default exactly that, rounded up to a second (137 s at the defaults)
   */
  readonly reconcilerTimeout?: Duration;
  /**
   * Concurrency reserved for the reconciler: every run that can overlap must be able to start
   * (checked, EC2F-K004). It comes out of the account's concurrency quota, which must keep 100
   * unreserved: an account with a low quota must raise it.
   * @default the runs that can overlap, at least 2 (4 at the defaults)
   */
  readonly reconcilerReservedConcurrency?: number;
  /**
   * Topic that alarm notifications go to.
   * @default a new SNS topic, encrypted with a new KMS key when `alarmTopicKey`
   */
  readonly alarmTopic?: ITopic;
  /**
   * Encrypt the alarm topic the stack creates with a KMS key of its own ($1 a month at list price).
   * CloudWatch can publish to an encrypted topic only through a customer managed key whose policy
   * admits it; the notifications carry alarm names and states, no cluster data. Our app:
   * `-c alarmTopicKey=true`.
   * @default false
   */
  readonly alarmTopicKey?: boolean;
  /**
   * Add the detailed alarms: the events and spec-apply functions' errors, failed ticks, every
   * ownership change and, per group, no healthy member, failovers and failed repairs ($0.10 a
   * month each; the always-on alarms cover each of these as a reconciler error or a failed
   * invocation). Our app: `-c detailedAlarms=true`.
   * @default false
   */
  readonly detailedAlarms?: boolean;
  /**
   * Email addresses to subscribe to the alarm topic (each must confirm).
   * @default none
   */
  readonly notificationEmails?: readonly string[];
  /**
   * Retention of every function's logs.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Overwrite edits made to the stored spec (with the CLI) since the last apply, like `init --force`.
   * @default false: such edits fail the deployment with EC2F-A001
   */
  readonly forceSpecApply?: boolean;
  /**
   * Delete stored resources that the config no longer lists, like `init --prune`.
   * @default false: they stay protected and are reported
   */
  readonly pruneRemovedResources?: boolean;
  /**
   * Create a CloudWatch dashboard of the control plane ($3 a month at list price; the alarms,
   * metrics and saved queries exist without it). Our app: `-c dashboard=true`.
   * @default false
   */
  readonly dashboard?: boolean;
  /**
   * Roles of operators who run the CLI's writing commands (`switchover`, `maintenance`, `init`):
   * the resources table's resource policy lets them write items; everyone else outside the control
   * plane is denied. Full role ARNs, path included; `*` and `?` allowed.
   * @default none: only the stack's functions write the resources table
   */
  readonly operatorRoleArns?: readonly string[];
  /**
   * Roles of `ec2-failover controller` processes run outside Lambda: they may write the resources
   * and history tables as the reconciler does (give them its IAM too).
   * @default none
   */
  readonly controllerRoleArns?: readonly string[];
  /**
   * The node agents' instance roles. Heartbeats are accepted only from the cluster's instances
   * (`ec2:SourceInstanceARN`); with this set, only when they also use one of these roles.
   * @default any role of the cluster's instances
   */
  readonly agentRoleArns?: readonly string[];
  /**
   * DynamoDB deletion protection on the tables.
   * @default true
   */
  readonly tableDeletionProtection?: boolean;
  /**
   * Use the cluster's existing tables, by name, instead of creating them: after the stack was
   * deleted (the tables are retained) or when `ec2-failover init` created them first. CloudFormation
   * then sets none of their settings: deletion protection, point-in-time recovery and the resource
   * policies (`tables.writePolicies`) must be applied by hand; the spec apply turns TTL on.
   * Never change it on a deployed stack.
   * @default false
   */
  readonly adoptExistingTables?: boolean;
  /**
   * How the resources and heartbeats tables are billed. `provisioned` sizes their read and write
   * capacity from the config (src/cost/table-capacity.ts): for on-demand runs, the steady load
   * rounded up plus one unit (DynamoDB's burst capacity, up to 300 s of unused capacity, takes a
   * run's and a failover's short excess); for resident runs, the steady load × 1.5 plus one unit.
   * More nodes or shorter intervals need a redeploy to resize, since a throttled heartbeat write
   * is a missed beat. DynamoDB lets a table change its billing mode once in 24 hours. The history
   * table stays on demand; adopted tables keep theirs.
   * @default 'provisioned' for on-demand runs, 'on-demand' for resident runs
   */
  readonly tableCapacity?: 'on-demand' | 'provisioned';
  /**
   * How many managed policies the agents' instance role can take for this cluster. IAM allows 10
   * per role by default (a quota that can be raised to 20), and the role may hold others already.
   * The synth fails with EC2F-K006 when the agent policies need more.
   * @default 10
   */
  readonly agentPolicyQuota?: number;
}

export class Ec2FailoverControlPlane extends Construct {
  /** The validated config, resolved (defaults filled in, groups formed). */
  public readonly spec: ClusterSpec;
  /** How the reconciler runs. */
  public readonly runShape: RunShape;
  public readonly tables: ClusterTables;
  public readonly resourcesTable: ITable;
  public readonly heartbeatsTable: ITable;
  public readonly historyTable: ITable;
  public readonly reconciler: NodejsFunction;
  public readonly eventsFunction: NodejsFunction;
  public readonly specApplyFunction: NodejsFunction;
  public readonly reconcilerSchedule: Rule;
  /** Asynchronous invocations that failed for good, and events EventBridge could not deliver. */
  public readonly failureQueue: IQueue;
  /** The reconciler's timing: schedule period, lateness allowance, stop margin, timeout, overlap. */
  public readonly reconcilerSizing: ReconcilerSizing;
  public readonly instanceStateRule: Rule;
  /** Absent when no node names an `alarmName`. */
  public readonly alarmStateRule?: Rule | undefined;
  /** Attach every one to the node agents' instance role (one statement per node, packed to IAM's size limit). */
  public readonly agentPolicies: readonly ManagedPolicy[];
  /** The deploy-time apply of the config's specs. */
  public readonly specApply: CustomResource;
  public readonly alarmTopic: ITopic;
  public readonly alarms: readonly Alarm[];
  public readonly dashboard?: Dashboard | undefined;
  /** Saved Logs Insights queries: all failovers, and each group's decisions. */
  public readonly savedQueries: readonly QueryDefinition[];

  constructor(scope: Construct, id: string, props: Ec2FailoverControlPlaneProps) {
    super(scope, id);
    this.spec = parseClusterConfig(props.config, 'config');
    const spec = this.spec;
    // The functions act in the region they run in: a config for another region would protect nothing.
    const region = Stack.of(this).region;
    if (!Token.isUnresolved(region) && region !== spec.region) {
      throw new TypeError(`the config is for region ${spec.region} but the stack deploys to ${region}; deploy it to ${spec.region}`);
    }
    const shape = (this.runShape = checkedRunShape(props.runShape));
    const schedule = props.reconcilerSchedule ?? Schedule.rate(Duration.minutes(1));
    const sizing = (this.reconcilerSizing = reconcilerSizing({
      spec,
      schedule,
      timeout: props.reconcilerTimeout,
      lateness: props.reconcilerScheduleLateness,
      reservedConcurrency: props.reconcilerReservedConcurrency,
      memorySize: props.reconcilerMemorySize,
    }));
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const operatorRoleArns = checkRoleArns('operatorRoleArns', props.operatorRoleArns);
    const controllerRoleArns = checkRoleArns('controllerRoleArns', props.controllerRoleArns);
    const agentRoleArns = checkRoleArns('agentRoleArns', props.agentRoleArns);

    this.tables = new ClusterTables(this, 'Tables', {
      cluster: spec.cluster,
      deletionProtection: props.tableDeletionProtection,
      adoptExisting: props.adoptExistingTables,
      provisioned: tableCapacity(spec, props.tableCapacity, sizing, shape),
    });
    this.resourcesTable = this.tables.resources;
    this.heartbeatsTable = this.tables.heartbeats;
    this.historyTable = this.tables.history;

    this.failureQueue = new FailureQueue(this, 'FailedInvocations').queue;

    const environment = {
      [LambdaEnvironmentVariable.clusterName]: spec.cluster,
      [LambdaEnvironmentVariable.apiCallTimeoutSeconds]: String(spec.defaults.tunables.apiCallTimeoutSeconds),
    };
    // Woken by name: only an on-demand reconciler has one (a wake of a resident one would only start a run that stands by).
    const wakeName = shape === 'on-demand' ? reconcilerFunctionName(spec.cluster) : undefined;
    const wakeArn = wakeName === undefined ? undefined : Stack.of(this).formatArn({ service: 'lambda', resource: 'function', resourceName: wakeName, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
    const reconciler = new FailoverFunction(this, 'Reconciler', {
      handlerFolder: 'reconciler',
      functionName: wakeName,
      description: `ec2-failover ${spec.cluster}: reconcile loop (heartbeats, ownership, routes and Elastic IPs)`,
      timeout: sizing.timeout,
      memorySize: sizing.memorySize,
      environment: { ...environment, [LambdaEnvironmentVariable.runShape]: shape, [LambdaEnvironmentVariable.schedulePeriodSeconds]: String(sizing.periodSeconds) },
      logRetention,
      reservedConcurrentExecutions: sizing.reservedConcurrency,
      // A failed or late run is not retried: the next scheduled run, already due, does its job.
      retryAttempts: 0,
      maxEventAge: Duration.seconds(60),
      onFailure: this.failureQueue,
    });
    this.reconciler = reconciler.function;
    for (const [role, actions] of Object.entries(RECONCILER_TABLE_ACTIONS)) this.tables.table(role as TableRole).grant(this.reconciler, ...actions);
    for (const { statement, wildcardReason } of reconcilerEc2Statements(this, spec)) {
      reconciler.role.addToPrincipalPolicy(statement);
      if (wildcardReason) acknowledgeWildcards(reconciler.role, statement, wildcardReason);
    }
    reconciler.role.addToPrincipalPolicy(reconcilerEventsStatement(this));

    const events = new FailoverFunction(this, 'Events', {
      handlerFolder: 'events',
      description: `ec2-failover ${spec.cluster}: records EC2 state and alarm changes for the reconciler`,
      timeout: Duration.seconds(15),
      memorySize: 256,
      environment: wakeName === undefined ? environment : { ...environment, [LambdaEnvironmentVariable.reconcilerFunctionName]: wakeName },
      logRetention,
      // One retry, about a minute later, rides out a short DynamoDB error; an event older than two
      // minutes says nothing the loop has not read from EC2 and the heartbeats by then.
      retryAttempts: 1,
      maxEventAge: Duration.minutes(2),
      onFailure: this.failureQueue,
    });
    this.eventsFunction = events.function;
    // It writes signal items only, never a spec, a status or the lease.
    Grant.addToPrincipal({
      grantee: this.eventsFunction,
      actions: ['dynamodb:PutItem'],
      resourceArns: [this.tables.resources.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${SignalItemKey.prefix}*`] } },
    });
    // After recording an event it wakes an on-demand reconciler, so the event is judged at once.
    if (wakeArn !== undefined) Grant.addToPrincipal({ grantee: this.eventsFunction, actions: ['lambda:InvokeFunction'], resourceArns: [wakeArn] });

    const specApply = new SpecApplyResource(this, 'SpecApply', {
      config: props.config,
      tables: this.tables,
      force: props.forceSpecApply,
      prune: props.pruneRemovedResources,
      logRetention,
    });
    this.specApply = specApply.resource;
    this.specApplyFunction = specApply.function.function;

    // Whatever IAM the rest of the account grants, only these write the tables' items.
    const controlPlaneRoles = [reconciler.role.roleArn, events.role.roleArn, specApply.function.role.roleArn];
    this.tables.restrictWrites('resources', { roleArns: [...controlPlaneRoles, ...controllerRoleArns, ...operatorRoleArns] });
    this.tables.restrictWrites('history', { roleArns: [reconciler.role.roleArn, ...controllerRoleArns] });
    this.tables.restrictWrites('heartbeats', {
      roleArns: [],
      instanceArns: spec.nodes.map((node) => Stack.of(this).formatArn({ service: 'ec2', resource: 'instance', resourceName: node.instanceId })),
      instanceRoleArns: agentRoleArns,
    });

    this.reconcilerSchedule = new Rule(this, 'ReconcilerSchedule', {
      description: `ec2-failover ${spec.cluster}: starts a reconciler run`,
      schedule,
      targets: [new LambdaFunction(this.reconciler, { retryAttempts: 0, deadLetterQueue: this.failureQueue })],
    });
    // A run before the first apply would only find an empty table.
    this.reconcilerSchedule.node.addDependency(specApply.resource);

    const rules = new NodeEventRules(this, 'NodeEvents', { spec, target: this.eventsFunction, deadLetterQueue: this.failureQueue });
    this.instanceStateRule = rules.instanceStateRule;
    this.alarmStateRule = rules.alarmStateRule;

    this.agentPolicies = createAgentPolicies(this, 'AgentPolicy', {
      spec,
      heartbeatsTableArn: this.tables.tableArn('heartbeats'),
      resourcesTableArn: this.tables.tableArn('resources'),
      reconcilerFunctionArn: wakeArn,
      maxPolicies: props.agentPolicyQuota,
    });

    const monitoring = new ControlPlaneMonitoring(this, 'Monitoring', {
      spec,
      reconciler: this.reconciler,
      reconcilerLogs: reconciler.logGroup,
      functions: { Reconciler: this.reconciler, Events: this.eventsFunction, SpecApply: this.specApplyFunction },
      topic: props.alarmTopic,
      alarmTopicKey: props.alarmTopicKey,
      detailedAlarms: props.detailedAlarms,
      notificationEmails: props.notificationEmails,
      dashboard: props.dashboard,
      failureQueue: this.failureQueue,
    });
    this.alarmTopic = monitoring.topic;
    this.alarms = monitoring.alarms;
    this.dashboard = monitoring.dashboard;
    this.savedQueries = monitoring.savedQueries.queries;
  }
}

function checkedRunShape(shape: RunShape | undefined): RunShape {
  if (shape === undefined) return DEFAULT_RUN_SHAPE;
  if (!RUN_SHAPES.includes(shape)) throw new ConstructPropsError('EC2F-K009', `runShape: expected ${RUN_SHAPES.join(' or ')}, not ${String(shape)}`);
  return shape;
}

/**
 * Capacity for the tables with a steady load when they are provisioned (the default for on-demand
 * runs, whose steady load is small and fixed); none (on demand) otherwise.
 */
function tableCapacity(spec: ClusterSpec, mode: Ec2FailoverControlPlaneProps['tableCapacity'], sizing: ReconcilerSizing, shape: RunShape): ClusterTablesProps['provisioned'] {
  if (mode !== undefined && mode !== 'on-demand' && mode !== 'provisioned') throw new ConstructPropsError('EC2F-K008', `tableCapacity: expected on-demand or provisioned, not ${String(mode)}`);
  if ((mode ?? (shape === 'on-demand' ? 'provisioned' : 'on-demand')) === 'on-demand') return undefined;
  const steady = runShapeOf({ name: shape, periodSeconds: sizing.periodSeconds, timeoutSeconds: sizing.timeout.toSeconds() }, spec, DEFAULT_USAGE_ASSUMPTIONS);
  // Resident: every run that can overlap the lease holder reads the lease each tick while it stands by.
  return provisionedCapacity(spec, shape === 'resident' ? { ...steady, standbyRuns: sizing.overlappingRuns - 1 } : steady);
}
