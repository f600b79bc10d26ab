import { GROUP_DIMENSION, NODE_DIMENSION, ReconcilerMetric, type ReconcilerMetricName } from '../names';
import { failureWindowMs } from './health';
import type { ActionOutcome, GroupStatus, LivenessBaselines } from './model';
import type { ReconcileReport } from './reconcile-types';

/*
 * The figures operators alarm on, taken from each tick's report wherever the loop runs. The sink
 * is narrow (a count or a number of seconds, with at most one dimension beside the defaults), so
 * the engine knows no metrics library; Lambda and the controller write them as EMF.
 *
 * Only what happened is published: CloudWatch bills a metric for every hour it appears, so a
 * figure sent every tick or run costs a metric-month whatever it says. A steady tick publishes
 * nothing; a node's heartbeat age goes out only while it is a failure window old or older (the
 * node is silent), a run's transitions only when there were some.
 */

export interface MetricDimension {
  readonly name: string;
  readonly value: string;
}

export interface MetricsSink {
  count(name: ReconcilerMetricName, value: number, dimension?: MetricDimension): void;
  seconds(name: ReconcilerMetricName, value: number, dimension?: MetricDimension): void;
  /** Sends what was recorded; the loop calls it after every tick. */
  flush?(): void;
}

const group = (value: string): MetricDimension => ({ name: GROUP_DIMENSION, value });

/** Records one tick: decisions, how long failovers took, drift, repair and EC2 errors, silent nodes' heartbeat ages. */
export function recordTick(sink: MetricsSink, report: ReconcileReport, before: ReadonlyMap<string, GroupStatus>, baselines: LivenessBaselines): void {
  for (const [groupId, status] of report.statuses) {
    const previous = before.get(groupId);
    const moved = report.transitions.find((t) => status.lastTransition === t);
    if (moved && (moved.reason === 'failover' || moved.reason === 'repair-failed')) sink.count(ReconcilerMetric.failovers, 1, group(groupId));
    if (moved && (moved.reason === 'switchover' || moved.reason === 'switchback')) sink.count(ReconcilerMetric.switchovers, 1, group(groupId));
    if (previous?.phase === 'failing-over' && status.phase === 'steady' && previous.epoch === status.epoch && status.lastTransition)
      sink.seconds(ReconcilerMetric.failoverSeconds, (report.at - status.lastTransition.at) / 1000, group(groupId));
  }
  for (const finding of report.findings) {
    if (finding.code === 'EC2F-R001' && finding.group !== undefined) sink.count(ReconcilerMetric.noHealthyMember, 1, group(finding.group));
  }
  recordOutcomes(sink, report.outcomes);
  recordSilentNodes(sink, report, baselines);
}

/** Heartbeat ages of the nodes heard from a failure window ago or longer: what the HeartbeatStale alarms watch. */
function recordSilentNodes(sink: MetricsSink, report: ReconcileReport, baselines: LivenessBaselines): void {
  const windowMs = failureWindowMs(report.spec);
  for (const [node, baseline] of Object.entries(baselines)) {
    const ageMs = report.at - baseline.seenAt;
    if (ageMs >= windowMs) sink.seconds(ReconcilerMetric.heartbeatAgeSeconds, ageMs / 1000, { name: NODE_DIMENSION, value: node });
  }
}

/** Records what a finished run did: its transitions, when it made any. */
export function recordRun(sink: MetricsSink, summary: { readonly transitions: number }): void {
  if (summary.transitions > 0) sink.count(ReconcilerMetric.transitions, summary.transitions);
}

function recordOutcomes(sink: MetricsSink, outcomes: readonly ActionOutcome[]): void {
  for (const o of outcomes) {
    const g = group(o.action.group);
    if (o.action.reason === 'drift') sink.count(ReconcilerMetric.driftFound, 1, g);
    if (o.result === 'ok' && o.action.reason === 'drift') sink.count(ReconcilerMetric.driftRepaired, 1, g);
    if (o.result === 'ok') continue;
    // EC2 errors by class are counted per call by the adapter (its onCallFailure); here, what they meant.
    const errorClass = o.result === 'unknown' ? 'unknown' : o.cause === 'unauthorized' ? 'unauthorized' : 'terminal';
    if (errorClass === 'unauthorized') sink.count(ReconcilerMetric.authorizationFailures, 1);
    if (errorClass === 'terminal') sink.count(ReconcilerMetric.repairFailures, 1, g);
  }
}

export const silentMetrics: MetricsSink = { count: () => undefined, seconds: () => undefined };
