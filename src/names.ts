/*
 * Names the control plane's code and the CDK construct share: table schemas, metric names, the
 * Lambdas' environment keys. One place with no SDK import, so `lib/` can load it and the two
 * cannot drift apart.
 */

/** CloudWatch namespace of every custom metric of the control plane. */
export const METRICS_NAMESPACE = 'Ec2Failover';

/** Powertools `service` of every function: a log field and a metric dimension. */
export const SERVICE_NAME = 'ec2-failover';

/** Log field and metric dimension that tell several clusters in one account apart. */
export const CLUSTER_DIMENSION = 'cluster';

/** Metric dimension naming a group (ownership, failovers and drift are per group). */
export const GROUP_DIMENSION = 'group';
/** Metric dimension naming a node (heartbeat age). */
export const NODE_DIMENSION = 'node';
/** Metric dimension naming an error class: `unknown`, `terminal`, `throttled` or `unauthorized`. */
export const ERROR_CLASS_DIMENSION = 'class';

export const ReconcilerMetric = {
  /** Ownership changes (failover, switchover, switchback) committed by a run. */
  transitions: 'Transitions',
  /** Reconcile ticks a run completed while holding the lease. */
  ticks: 'ReconcileTicks',
  /** Reconciler log lines at ERROR level (no healthy node, a repair failed): from a log metric filter. */
  errorLogs: 'ReconcilerErrorLogs',
  /** Failovers committed (the owner failed or its repair failed), per group. */
  failovers: 'Failovers',
  /** Planned moves committed (operator switchover, automatic switchback), per group. */
  switchovers: 'Switchovers',
  /** Seconds from the decision to every route and Elastic IP of the group on the new owner, per group. */
  failoverSeconds: 'FailoverSeconds',
  /** Routes and Elastic IPs found off the owner (drift, blackholes, missing), per group and tick. */
  driftFound: 'DriftFound',
  /** Routes and Elastic IPs put back on the owner, per group. */
  driftRepaired: 'DriftRepaired',
  /** Repairs that failed with a terminal error, per group. */
  repairFailures: 'RepairFailures',
  /** EC2 calls that failed, by class (`unknown`, `terminal`, `throttled`, `unauthorized`). */
  ec2Errors: 'Ec2Errors',
  /** DynamoDB calls that failed, by class. */
  dynamoDbErrors: 'DynamoDbErrors',
  /** EC2 calls refused for lack of permission: the control plane's own fault, never the node's. */
  authorizationFailures: 'AuthorizationFailures',
  /** Reconcile ticks that failed (state unknown that tick). */
  reconcileErrors: 'ReconcileErrors',
  /** Ticks on which a group had no healthy member, per group. */
  noHealthyMember: 'NoHealthyMember',
  /** Seconds since each node's heartbeat sequence last advanced, on the reconciler's clock, per node. */
  heartbeatAgeSeconds: 'HeartbeatAgeSeconds',
  /** The reconcile lease was taken over from a loop that vanished without releasing it (killed, frozen, timed out). */
  leaseHandovers: 'LeaseHandovers',
  /** Ownership-change events not delivered (a failed PutEvents call, or entries it refused); each is retried next tick. */
  transitionEventFailures: 'TransitionEventFailures',
} as const;

/** Environment variables the CDK construct sets on the control-plane Lambdas. */
export const LambdaEnvironmentVariable = {
  clusterName: 'CLUSTER_NAME',
  region: 'AWS_REGION',
  apiCallTimeoutSeconds: 'EC2F_API_CALL_TIMEOUT_SECONDS',
  /** How the reconciler runs: {@link RunShape}. */
  runShape: 'EC2F_RUN_SHAPE',
  /** Seconds between the reconciler's scheduled runs: how long its on-demand verdicts stand. */
  schedulePeriodSeconds: 'EC2F_SCHEDULE_SECONDS',
  /** The reconciler function the events Lambda wakes after recording a node event. */
  reconcilerFunctionName: 'EC2F_RECONCILER_FUNCTION',
} as const;

/**
 * How the reconciler runs. `on-demand`: each run (every minute, and whenever an agent, the events
 * Lambda or an operator command wakes it) ticks until the cluster is steady, then stops.
 * `resident`: each run ticks until its deadline and runs overlap, so one is always ticking.
 */
export const RUN_SHAPES = ['on-demand', 'resident'] as const;
export type RunShape = (typeof RUN_SHAPES)[number];
export const DEFAULT_RUN_SHAPE: RunShape = 'on-demand';

/** The reconciler function's name: agents, the events Lambda and the CLI wake it by this name. */
export function reconcilerFunctionName(cluster: string): string {
  return `${cluster}-reconciler`;
}

/** `source` of the payload a wake-up invocation carries; anything else starts an ordinary run. */
export const WAKE_SOURCE = 'ec2-failover.wake';

/** What a wake-up invocation carries: why, and from whom (a node id, `events`, `cli`). */
export interface WakePayload {
  readonly source: typeof WAKE_SOURCE;
  readonly reason: string;
  readonly from: string;
}

const SIGNAL_KEY_PREFIX = 'signal#';

/** Partition keys of signal items in the resources table: one per instance, one per alarm. */
export const SignalItemKey = {
  prefix: SIGNAL_KEY_PREFIX,
  instance: (instanceId: string) => `${SIGNAL_KEY_PREFIX}instance#${instanceId}`,
  alarm: (alarmName: string) => `${SIGNAL_KEY_PREFIX}alarm#${alarmName}`,
} as const;

/*
 * THE schema of a cluster's DynamoDB tables, as plain data so the CDK stack builds exactly
 * the tables the adapters expect. Three tables per cluster, named after it:
 *
 * - `<cluster>-resources` (pk `pk`): everything the reconciler reads in one consistent Scan.
 *     `cluster`            cluster-wide spec (region, defaults, nodes) + specHash/appliedHash/lastWriter
 *     `resource#<id>`      the resource's spec AND the status of its group (owner, epoch, phase,
 *                          version, …). Every item of a group carries the same status, written in
 *                          one transaction, so a group's resources can never disagree on the owner.
 *                          An agent reads every group's owner with one consistent Scan per interval.
 *     `lease#reconciler`   the reconcile lease: holder, fencing token, expiry, liveness baselines.
 *     `signal#…`           the newest node event per instance and per alarm (the events Lambda's), expiring by TTL.
 *     `verdicts#reconciler` the reconciler's last judgement of each node and each group's findings.
 *   Keeping the lease beside the status lets one transaction check the fencing token and write
 *   the status atomically. TTL on `expiresAt` (epoch seconds) expires the signal items, and only
 *   them: no other item of this table may carry `expiresAt` (the lease's expiry is `expiresAtMs`).
 * - `<cluster>-heartbeats` (pk `instanceId`): one item per node, overwritten every beat; TTL on
 *     `expiresAt` (epoch seconds) cleans up nodes that went away.
 * - `<cluster>-history` (pk `group`, sk `seq`): append-only; `seq` sorts by time, so a Query
 *     returns a group's history in order. Optional TTL on `expiresAt` for retention.
 *
 * On-demand billing: the load is a few writes per second at most, spiky during failovers.
 */

export const BILLING_MODE = 'PAY_PER_REQUEST' as const;

export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

export type TableRole = 'resources' | 'heartbeats' | 'history';

export interface TableSchema {
  readonly role: TableRole;
  readonly tableName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute | undefined;
  /** Attribute holding an expiry in epoch seconds, for DynamoDB's TTL. */
  readonly ttlAttribute?: string | undefined;
  readonly billingMode: typeof BILLING_MODE;
}

export const RESOURCES_PARTITION_KEY: KeyAttribute = { name: 'pk', type: 'S' };
export const HEARTBEATS_PARTITION_KEY: KeyAttribute = { name: 'instanceId', type: 'S' };
export const HISTORY_PARTITION_KEY: KeyAttribute = { name: 'group', type: 'S' };
export const HISTORY_SORT_KEY: KeyAttribute = { name: 'seq', type: 'S' };
/** Epoch seconds, as DynamoDB's TTL requires; on the heartbeats and history tables, and the resources table's signal items. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** Partition keys of the items of the resources table. */
export const ResourceItemKey = {
  cluster: 'cluster',
  resource: (resourceId: string) => `resource#${resourceId}`,
  lease: (leaseName: string) => `lease#${leaseName}`,
} as const;

/** DynamoDB's limit of actions in one TransactWriteItems. */
export const MAX_TRANSACTION_ACTIONS = 100;

/** The lease every reconcile loop (Lambda or controller) competes for. */
export const RECONCILER_LEASE = 'reconciler';

export function resourcesTableName(cluster: string): string {
  return `${cluster}-resources`;
}

export function heartbeatsTableName(cluster: string): string {
  return `${cluster}-heartbeats`;
}

export function historyTableName(cluster: string): string {
  return `${cluster}-history`;
}

export function clusterTables(cluster: string): readonly TableSchema[] {
  return [
    { role: 'resources', tableName: resourcesTableName(cluster), partitionKey: RESOURCES_PARTITION_KEY, ttlAttribute: TTL_ATTRIBUTE, billingMode: BILLING_MODE },
    {
      role: 'heartbeats',
      tableName: heartbeatsTableName(cluster),
      partitionKey: HEARTBEATS_PARTITION_KEY,
      ttlAttribute: TTL_ATTRIBUTE,
      billingMode: BILLING_MODE,
    },
    {
      role: 'history',
      tableName: historyTableName(cluster),
      partitionKey: HISTORY_PARTITION_KEY,
      sortKey: HISTORY_SORT_KEY,
      ttlAttribute: TTL_ATTRIBUTE,
      billingMode: BILLING_MODE,
    },
  ];
}


// ---- Metric dimensions and log lines the CDK's alarms, dashboard and saved queries rely on ----

/** The dimension Powertools Metrics adds to every metric, valued `SERVICE_NAME`; with `cluster` it is on every reconciler metric. */
export const SERVICE_DIMENSION = 'service';

export type ReconcilerMetricName = (typeof ReconcilerMetric)[keyof typeof ReconcilerMetric];

/**
 * The one dimension each reconciler metric is published per, beside `service` and `cluster`; a
 * metric not listed is per cluster only. CloudWatch matches dimension sets exactly: an alarm of the
 * CDK construct sees a metric only if both use exactly these (`node` is the node's config id).
 */
export const RECONCILER_METRIC_DIMENSION: Readonly<Partial<Record<ReconcilerMetricName, string>>> = {
  [ReconcilerMetric.failovers]: GROUP_DIMENSION,
  [ReconcilerMetric.switchovers]: GROUP_DIMENSION,
  [ReconcilerMetric.failoverSeconds]: GROUP_DIMENSION,
  [ReconcilerMetric.driftFound]: GROUP_DIMENSION,
  [ReconcilerMetric.driftRepaired]: GROUP_DIMENSION,
  [ReconcilerMetric.repairFailures]: GROUP_DIMENSION,
  [ReconcilerMetric.noHealthyMember]: GROUP_DIMENSION,
  [ReconcilerMetric.ec2Errors]: ERROR_CLASS_DIMENSION,
  [ReconcilerMetric.dynamoDbErrors]: ERROR_CLASS_DIMENSION,
  [ReconcilerMetric.heartbeatAgeSeconds]: NODE_DIMENSION,
};

/** The message of the log line a committed ownership change writes (fields group, epoch, from, to, reason). */
export const OWNERSHIP_CHANGED_MESSAGE = 'ownership changed';
