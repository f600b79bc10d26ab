import type { ClusterSpec } from '../core/model';
import { ERROR_CLASS_DIMENSION, GROUP_DIMENSION, NODE_DIMENSION, RECONCILER_METRIC_DIMENSION, ReconcilerMetric, type ReconcilerMetricName } from '../names';
import { costLine, optionLine, type CostLine } from './cost-line';
import type { PriceList } from './prices-us-east-1';
import type { RunShape } from './run-shape';
import type { StackFacts } from './stack-facts';
import type { UsageAssumptions } from './usage-assumptions';

/*
 * CloudWatch: custom metrics (the loop's EMF metrics, one series per metric and dimension value),
 * alarms and the dashboard as the template has them, and the logs the reconciler ingests. A
 * metric is billed for the hours it is published: the loop publishes some every tick or run, the
 * others only when something happens (a failover, an error), so those cost nothing in a quiet month.
 */

/** Published every tick or every run, whatever happens. */
const ALWAYS_PUBLISHED: readonly ReconcilerMetricName[] = [ReconcilerMetric.ticks, ReconcilerMetric.transitions, ReconcilerMetric.leaseHandovers, ReconcilerMetric.heartbeatAgeSeconds];
/** The error classes a per-class metric is published for. */
const ERROR_CLASSES = 4;
const BYTES_PER_GB = 1024 ** 3;

function seriesOf(name: ReconcilerMetricName, spec: ClusterSpec): number {
  const dimension = RECONCILER_METRIC_DIMENSION[name];
  if (dimension === GROUP_DIMENSION) return spec.groups.length;
  if (dimension === NODE_DIMENSION) return spec.nodes.length;
  if (dimension === ERROR_CLASS_DIMENSION) return ERROR_CLASSES;
  return 1;
}

function metricLines(facts: StackFacts, spec: ClusterSpec, prices: PriceList): CostLine[] {
  const always = ALWAYS_PUBLISHED.reduce((sum, name) => sum + seriesOf(name, spec), 0);
  const onEvents = (Object.values(ReconcilerMetric) as ReconcilerMetricName[])
    .filter((name) => !ALWAYS_PUBLISHED.includes(name) && name !== ReconcilerMetric.errorLogs)
    .reduce((sum, name) => sum + seriesOf(name, spec), facts.metricFilters);
  const price = prices.prices.cloudWatchCustomMetrics;
  return [
    costLine('CloudWatch', 'custom metrics published all month', always, price, `${ALWAYS_PUBLISHED.join(', ')} (per node)`),
    costLine('CloudWatch', 'custom metrics published on events only', 0, price, `${onEvents} more series, each billed only for the hours it appears (up to $${(onEvents * price.usd).toFixed(2)} if all appeared all month)`),
  ];
}

function logLines(spec: ClusterSpec, shape: RunShape, usage: UsageAssumptions, prices: PriceList): CostLine {
  const perTick = usage.emfBytesPerTick + spec.nodes.length * usage.emfBytesPerTickAndNode;
  const bytes = shape.ticksPerMonth * perTick + shape.runsPerMonth * usage.logBytesPerRun;
  return costLine('CloudWatch', 'Logs ingestion (reconciler)', bytes / BYTES_PER_GB, prices.prices.cloudWatchLogsIngestion, `${perTick} B of EMF per tick + ${usage.logBytesPerRun} B per run (GB = 2^30 B)`);
}

export function cloudWatchLines(facts: StackFacts, spec: ClusterSpec, shape: RunShape, usage: UsageAssumptions, prices: PriceList): CostLine[] {
  return [
    ...metricLines(facts, spec, prices),
    costLine('CloudWatch', 'alarms', facts.alarms, prices.prices.cloudWatchStandardAlarms, `${facts.alarms} AWS::CloudWatch::Alarm in the template`),
    optionLine('CloudWatch', 'dashboard', facts.dashboards, 1, prices.prices.cloudWatchDashboards, 'dashboard', `${facts.dashboards} AWS::CloudWatch::Dashboard in the template`),
    logLines(spec, shape, usage, prices),
  ];
}
