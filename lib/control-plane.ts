import { Duration, Stack, Token, type CustomResource } from 'aws-cdk-lib';
import type { Alarm, Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Grant, type ManagedPolicy } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { LambdaEnvironmentVariable, SignalItemKey, type TableRole } from '../src/names';
import { parseClusterConfig, type ClusterConfigInput } from '../src/core/config';
import type { ClusterSpec } from '../src/core/model';
import { createAgentPolicies } from './agent-policies';
import { ClusterTables } from './cluster-tables';
import { ControlPlaneMonitoring } from './control-plane-monitoring';
import { FailoverFunction } from './failover-function';
import { acknowledgeWildcards } from './nag-acknowledgements';
import { NodeEventRules } from './node-event-rules';
import { reconcilerEc2Statements } from './reconciler-ec2-policy';
import { checkRoleArns } from './role-arns';
import { SpecApplyResource } from './spec-apply-resource';
import { RECONCILER_TABLE_ACTIONS } from './table-access';

/*
 * The serverless control plane of one cluster: its tables, the reconciler (a scheduled run that
 * loops every check interval), the events receiver, the deploy-time spec apply, least-privilege
 * IAM, the node agents' managed policy, alarms and a dashboard. Drop it into any CDK app.
 */

export interface Ec2FailoverControlPlaneProps {
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
   * How often a reconciler run starts. Each run loops until a margin (2 × apiCallTimeoutSeconds
   * + checkIntervalSeconds) before its timeout, so the timeout must exceed this interval by that
   * margin (checked for `rate(…)` schedules): the next run then takes over the lease at once.
   * @default Schedule.rate(Duration.minutes(1))
   */
  readonly reconcilerSchedule?: Schedule;
  /**
   * Timeout of one reconciler run; the loop stops and releases the lease a margin before it.
   * @default Duration.seconds(70)
   */
  readonly reconcilerTimeout?: Duration;
  /**
   * Topic that alarm notifications go to.
   * @default a new SNS topic encrypted with a new KMS key
   */
  readonly alarmTopic?: ITopic;
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
   * Create a CloudWatch dashboard of the control plane.
   * @default true
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
   * How many managed policies the agents' instance role can take for this cluster. IAM allows 10
   * per role by default (a quota that can be raised to 20), and the role may hold others already.
   * The synth fails with EC2F-K006 when the agent policies need more.
   * @default 10
   */
  readonly agentPolicyQuota?: number;
}

const MAX_LAMBDA_TIMEOUT_SECONDS = 900;
/** Besides the loop's stop margin, a run needs time to do something. */
const MIN_LOOP_SECONDS = 10;

export class Ec2FailoverControlPlane extends Construct {
  /** The validated config, resolved (defaults filled in, groups formed). */
  public readonly spec: ClusterSpec;
  public readonly tables: ClusterTables;
  public readonly resourcesTable: ITable;
  public readonly heartbeatsTable: ITable;
  public readonly historyTable: ITable;
  public readonly reconciler: NodejsFunction;
  public readonly eventsFunction: NodejsFunction;
  public readonly specApplyFunction: NodejsFunction;
  public readonly reconcilerSchedule: Rule;
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

  constructor(scope: Construct, id: string, props: Ec2FailoverControlPlaneProps) {
    super(scope, id);
    this.spec = parseClusterConfig(props.config, 'config');
    const spec = this.spec;
    // The functions act in the region they run in: a config for another region would protect nothing.
    const region = Stack.of(this).region;
    if (!Token.isUnresolved(region) && region !== spec.region) {
      throw new TypeError(`the config is for region ${spec.region} but the stack deploys to ${region}; deploy it to ${spec.region}`);
    }
    const timeout = props.reconcilerTimeout ?? Duration.seconds(70);
    const schedule = props.reconcilerSchedule ?? Schedule.rate(Duration.minutes(1));
    checkReconcilerSizing(spec, timeout, schedule, props.reconcilerMemorySize);
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;
    const operatorRoleArns = checkRoleArns('operatorRoleArns', props.operatorRoleArns);
    const controllerRoleArns = checkRoleArns('controllerRoleArns', props.controllerRoleArns);
    const agentRoleArns = checkRoleArns('agentRoleArns', props.agentRoleArns);

    this.tables = new ClusterTables(this, 'Tables', {
      cluster: spec.cluster,
      deletionProtection: props.tableDeletionProtection,
      adoptExisting: props.adoptExistingTables,
    });
    this.resourcesTable = this.tables.resources;
    this.heartbeatsTable = this.tables.heartbeats;
    this.historyTable = this.tables.history;

    const environment = {
      [LambdaEnvironmentVariable.clusterName]: spec.cluster,
      [LambdaEnvironmentVariable.apiCallTimeoutSeconds]: String(spec.defaults.tunables.apiCallTimeoutSeconds),
    };
    const reconciler = new FailoverFunction(this, 'Reconciler', {
      handlerFolder: 'reconciler',
      description: `ec2-failover ${spec.cluster}: reconcile loop (heartbeats, ownership, routes and Elastic IPs)`,
      timeout,
      memorySize: props.reconcilerMemorySize ?? 256,
      environment,
      logRetention,
      // A failed run is not retried: the schedule starts the next one within a minute anyway.
      retryAttempts: 0,
    });
    this.reconciler = reconciler.function;
    for (const [role, actions] of Object.entries(RECONCILER_TABLE_ACTIONS)) this.tables.table(role as TableRole).grant(this.reconciler, ...actions);
    for (const { statement, wildcardReason } of reconcilerEc2Statements(this, spec)) {
      reconciler.role.addToPrincipalPolicy(statement);
      if (wildcardReason) acknowledgeWildcards(reconciler.role, statement, wildcardReason);
    }

    const events = new FailoverFunction(this, 'Events', {
      handlerFolder: 'events',
      description: `ec2-failover ${spec.cluster}: records EC2 state and alarm changes for the reconciler`,
      timeout: Duration.seconds(15),
      memorySize: 256,
      environment,
      logRetention,
    });
    this.eventsFunction = events.function;
    // It writes signal items only, never a spec, a status or the lease.
    Grant.addToPrincipal({
      grantee: this.eventsFunction,
      actions: ['dynamodb:PutItem'],
      resourceArns: [this.tables.resources.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${SignalItemKey.prefix}*`] } },
    });

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
      targets: [new LambdaFunction(this.reconciler, { retryAttempts: 0 })],
    });
    // A run before the first apply would only find an empty table.
    this.reconcilerSchedule.node.addDependency(specApply.resource);

    const rules = new NodeEventRules(this, 'NodeEvents', { spec, target: this.eventsFunction });
    this.instanceStateRule = rules.instanceStateRule;
    this.alarmStateRule = rules.alarmStateRule;

    this.agentPolicies = createAgentPolicies(this, 'AgentPolicy', {
      spec,
      heartbeatsTableArn: this.tables.tableArn('heartbeats'),
      resourcesTableArn: this.tables.tableArn('resources'),
      maxPolicies: props.agentPolicyQuota,
    });

    const monitoring = new ControlPlaneMonitoring(this, 'Monitoring', {
      cluster: spec.cluster,
      reconciler: this.reconciler,
      reconcilerLogs: reconciler.logGroup,
      functions: { Reconciler: this.reconciler, Events: this.eventsFunction, SpecApply: this.specApplyFunction },
      topic: props.alarmTopic,
      notificationEmails: props.notificationEmails,
      dashboard: props.dashboard,
    });
    this.alarmTopic = monitoring.topic;
    this.alarms = monitoring.alarms;
    this.dashboard = monitoring.dashboard;
  }
}

const RATE_UNIT_SECONDS: Readonly<Record<string, number>> = { minute: 60, minutes: 60, hour: 3_600, hours: 3_600, day: 86_400, days: 86_400 };

/** Seconds between runs of a `rate(…)` schedule; undefined for a cron expression. */
function rateSeconds(schedule: Schedule): number | undefined {
  const match = /^rate\((\d+) (\w+)\)$/.exec(schedule.expressionString);
  const unit = match ? RATE_UNIT_SECONDS[match[2]!] : undefined;
  return match && unit ? Number(match[1]) * unit : undefined;
}

function checkReconcilerSizing(spec: ClusterSpec, timeout: Duration, schedule: Schedule, memorySize: number | undefined): void {
  const seconds = timeout.toSeconds();
  const marginSeconds = 2 * spec.defaults.tunables.apiCallTimeoutSeconds + spec.defaults.checkIntervalSeconds;
  if (seconds > MAX_LAMBDA_TIMEOUT_SECONDS || seconds < marginSeconds + MIN_LOOP_SECONDS) {
    throw new TypeError(
      `reconcilerTimeout must be between ${Math.ceil(marginSeconds + MIN_LOOP_SECONDS)} s (the loop stops ${marginSeconds} s before it) and ${MAX_LAMBDA_TIMEOUT_SECONDS} s; got ${seconds} s`,
    );
  }
  const interval = rateSeconds(schedule);
  // A run loops until `margin` before its timeout; the next must start before that, or nothing watches in between.
  if (interval !== undefined && seconds - marginSeconds < interval) {
    throw new TypeError(
      `a reconciler run loops for ${seconds - marginSeconds} s (reconcilerTimeout ${seconds} s minus ${marginSeconds} s) but runs start every ${interval} s: nodes would go unwatched in between; set reconcilerTimeout to at least ${interval + marginSeconds} s`,
    );
  }
  if (memorySize !== undefined && (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10_240)) {
    throw new TypeError(`reconcilerMemorySize must be a whole number of MiB between 128 and 10240; got ${memorySize}`);
  }
}
