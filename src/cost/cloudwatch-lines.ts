import type { ClusterSpec } from '../core/model';
import { ERROR_CLASS_DIMENSION, GROUP_DIMENSION, NODE_DIMENSION, RECONCILER_METRIC_DIMENSION, ReconcilerMetric, type ReconcilerMetricName } from '../names';
import { costLine, optionLine, type CostLine } from './cost-line';
import type { PriceList } from './prices-us-east-1';
import type { RunShape } from './run-shape';
import type { StackFacts } from './stack-facts';
import type { UsageAssumptions } from './usage-assumptions';

/*
 * CloudWatch: custom metrics (the loop's EMF metrics, one series per metric and dimension value),
 * alarms (always-on and detailed) and the dashboard as the template has them, and the logs the
 * reconciler ingests. A metric is billed for the hours it is published: a run publishes its
 * metrics only when something happens (a transition, a failover, an error, a silent node, a lease
 * taken from a vanished holder: src/core/loop-metrics.ts, the Lambda runtime's run summary, the
 * loop), so they cost nothing in a quiet month.
 */

/**
 * Published by every run, whatever happens: none. A run's transitions are published when there
 * were some (recordRun), a lease handover only when the holder before vanished without releasing.
 */
const PUBLISHED_EVERY_RUN: readonly ReconcilerMetricName[] = [];
/** Not published: the Lambda function's own Invocations metric tells whether runs start. */
const NOT_PUBLISHED: readonly ReconcilerMetricName[] = [ReconcilerMetric.ticks];
/** The error classes a per-class metric is published for. */
const ERROR_CLASSES = 4;
const BYTES_PER_GB = 1024 ** 3;

/** Alarms `detailedAlarms: true` adds (lib/control-plane-alarms.ts): four per cluster, three per group. */
export function detailedAlarmCount(spec: ClusterSpec): number {
  return 4 + 3 * spec.groups.length;
}

function seriesOf(name: ReconcilerMetricName, spec: ClusterSpec): number {
  const dimension = RECONCILER_METRIC_DIMENSION[name];
  if (dimension === GROUP_DIMENSION) return spec.groups.length;
  if (dimension === NODE_DIMENSION) return spec.nodes.length;
  if (dimension === ERROR_CLASS_DIMENSION) return ERROR_CLASSES;
  return 1;
}

function metricLines(facts: StackFacts, spec: ClusterSpec, prices: PriceList): CostLine[] {
  const always = PUBLISHED_EVERY_RUN.reduce((sum, name) => sum + seriesOf(name, spec), 0);
  const onEvents = (Object.values(ReconcilerMetric) as ReconcilerMetricName[])
    .filter((name) => !PUBLISHED_EVERY_RUN.includes(name) && !NOT_PUBLISHED.includes(name) && name !== ReconcilerMetric.errorLogs)
    .reduce((sum, name) => sum + seriesOf(name, spec), facts.metricFilters);
  const price = prices.prices.cloudWatchCustomMetrics;
  return [
    costLine('CloudWatch', 'custom metrics published all month', always, price, always === 0 ? 'none: a quiet run publishes nothing' : `${PUBLISHED_EVERY_RUN.join(', ')}: once a run`),
    costLine(
      'CloudWatch',
      'custom metrics published on events only',
      0,
      price,
      `${onEvents} more series (HeartbeatAgeSeconds only for a silent node), each billed only for the hours it appears (up to $${(onEvents * price.usd).toFixed(2)} if all appeared all month)`,
    ),
  ];
}

function logLines(shape: RunShape, usage: UsageAssumptions, prices: PriceList): CostLine {
  const bytes = shape.runsPerMonth * usage.logBytesPerRun;
  return costLine(
    'CloudWatch',
    'Logs ingestion (reconciler)',
    bytes / BYTES_PER_GB,
    prices.prices.cloudWatchLogsIngestion,
    `${usage.logBytesPerRun} B per run; EMF lines of a tick only on events (GB = 2^30 B)`,
  );
}

export function cloudWatchLines(facts: StackFacts, spec: ClusterSpec, shape: RunShape, usage: UsageAssumptions, prices: PriceList): CostLine[] {
  const alarmPrice = prices.prices.cloudWatchStandardAlarms;
  return [
    ...metricLines(facts, spec, prices),
    costLine('CloudWatch', 'alarms', facts.alarms, alarmPrice, `${facts.alarms} AWS::CloudWatch::Alarm in the template, besides the detailed ones`),
    optionLine('CloudWatch', 'detailed alarms', facts.detailedAlarms, detailedAlarmCount(spec), alarmPrice, 'detailed alarms', `${facts.detailedAlarms} detailed AWS::CloudWatch::Alarm in the template`),
    optionLine('CloudWatch', 'dashboard', facts.dashboards, 1, prices.prices.cloudWatchDashboards, 'dashboard', `${facts.dashboards} AWS::CloudWatch::Dashboard in the template`),
    logLines(shape, usage, prices),
  ];
}
