import { Duration } from 'aws-cdk-lib';
import { Dashboard, GraphWidget, LogQueryVisualizationType, LogQueryWidget, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../src/core/model';
import { ReconcilerMetric } from '../src/names';
import { ownershipChangesQuery } from './log-queries';
import type { ReconcilerMetrics } from './reconciler-metrics';

/*
 * One page for the control plane: the functions, the loop's health, failovers and how long they
 * took, each node's heartbeat age against its failure threshold, API errors by class, and who owned
 * each group from which epoch (from the logs). Per-group, per-node and per-class graphs search by
 * metric name, so they show groups and nodes added after the deploy too.
 */

export interface ControlPlaneDashboardProps {
  readonly spec: ClusterSpec;
  readonly metrics: ReconcilerMetrics;
  readonly functions: Readonly<Record<string, IFunction>>;
  readonly reconcilerLogs: ILogGroup;
  readonly transitions: IMetric;
  readonly errorLogs: IMetric;
}

export function createControlPlaneDashboard(scope: Construct, id: string, props: ControlPlaneDashboardProps): Dashboard {
  const { metrics, spec } = props;
  const minute = { period: Duration.minutes(1) };
  const byFunction = (metricOf: (fn: IFunction) => IMetric) => Object.values(props.functions).map(metricOf);
  const staleAfter = spec.defaults.heartbeat.missedBeats * spec.defaults.heartbeat.intervalSeconds;
  return new Dashboard(scope, id, {
    dashboardName: `ec2-failover-${spec.cluster}`.replace(/[^A-Za-z0-9_-]/g, '-'),
    widgets: [
      [
        new GraphWidget({ title: 'Invocations', left: byFunction((fn) => fn.metricInvocations(minute)), width: 8 }),
        new GraphWidget({ title: 'Errors', left: byFunction((fn) => fn.metricErrors(minute)), width: 8 }),
        new GraphWidget({ title: 'Duration (max)', left: byFunction((fn) => fn.metricDuration({ ...minute, statistic: 'Maximum' })), width: 8 }),
      ],
      [
        new GraphWidget({ title: 'Ownership changes', left: [props.transitions], width: 8 }),
        new GraphWidget({ title: 'Authorization failures', left: [metrics.metric(ReconcilerMetric.authorizationFailures, 'Sum')], width: 8 }),
        new GraphWidget({ title: 'Reconciler error decisions', left: [props.errorLogs], width: 8 }),
      ],
      [
        new GraphWidget({ title: 'Failovers per group', left: [metrics.search(ReconcilerMetric.failovers, 'Sum')], width: 8 }),
        new GraphWidget({ title: 'Failover time per group (s)', left: [metrics.search(ReconcilerMetric.failoverSeconds, 'Maximum')], width: 8 }),
        new GraphWidget({
          title: 'Heartbeat age of silent nodes (s)',
          left: [metrics.search(ReconcilerMetric.heartbeatAgeSeconds, 'Maximum')],
          leftAnnotations: [{ value: staleAfter, label: `failed after ${staleAfter} s` }],
          width: 8,
        }),
      ],
      [
        new GraphWidget({ title: 'EC2 errors by class', left: [metrics.search(ReconcilerMetric.ec2Errors, 'Sum')], width: 12 }),
        new GraphWidget({ title: 'DynamoDB errors by class', left: [metrics.search(ReconcilerMetric.dynamoDbErrors, 'Sum')], width: 12 }),
      ],
      [
        new LogQueryWidget({
          title: 'Ownership changes: owner and epoch over time',
          logGroupNames: [props.reconcilerLogs.logGroupName],
          queryString: ownershipChangesQuery().toString(),
          view: LogQueryVisualizationType.TABLE,
          width: 24,
        }),
      ],
    ],
  });
}
