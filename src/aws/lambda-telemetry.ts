/*
 * Names shared by the Lambdas that emit logs and metrics and the CDK construct that builds
 * alarms and the dashboard on them: one place, so the two cannot drift apart.
 */

/** CloudWatch namespace of every custom metric of the control plane. */
export const METRICS_NAMESPACE = 'Ec2Failover';

/** Powertools `service` of every function: a log field and a metric dimension. */
export const SERVICE_NAME = 'ec2-failover';

/** Log field and metric dimension that tell several clusters in one account apart. */
export const CLUSTER_DIMENSION = 'cluster';

export const ReconcilerMetric = {
  /** Ownership changes (failover, switchover, switchback) committed by a run. */
  transitions: 'Transitions',
  /** Reconcile ticks a run completed while holding the lease. */
  ticks: 'ReconcileTicks',
  /** Reconciler log lines at ERROR level (no healthy node, a repair failed): from a log metric filter. */
  errorLogs: 'ReconcilerErrorLogs',
} as const;
