import { Duration } from 'aws-cdk-lib';
import { Metric, type Alarm, type Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { ClusterSpec } from '../src/core/model';
import { CLUSTER_DIMENSION, METRICS_NAMESPACE, ReconcilerMetric } from '../src/names';
import { alarmTopic } from './alarm-topic';
import { ControlPlaneAlarms } from './control-plane-alarms';
import { createControlPlaneDashboard } from './control-plane-dashboard';
import { SavedLogQueries } from './log-queries';
import { ReconcilerMetrics } from './reconciler-metrics';

/*
 * What tells an operator the control plane needs attention: alarms (control-plane-alarms.ts) sent to
 * one SNS topic (encrypted with a key of its own on request), a dashboard (control-plane-dashboard.ts) and saved Logs Insights queries
 * (log-queries.ts), over the loop's metrics, the functions' own metrics and a metric filter that
 * counts the reconciler's ERROR log lines.
 */

export interface ControlPlaneMonitoringProps {
  readonly spec: ClusterSpec;
  readonly reconciler: IFunction;
  readonly reconcilerLogs: ILogGroup;
  /** Every function, by the name the alarms and dashboard show (the reconciler's errors alarm always; the others' with `detailedAlarms`). */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** @default a new topic, encrypted with a new KMS key that CloudWatch may use when `alarmTopicKey` */
  readonly topic?: ITopic;
  /** @default false: the topic the stack creates is not encrypted at rest */
  readonly alarmTopicKey?: boolean;
  /** @default false */
  readonly detailedAlarms?: boolean;
  /** @default none */
  readonly notificationEmails?: readonly string[];
  /** @default false */
  readonly dashboard?: boolean;
  /** Failed asynchronous invocations; an alarm fires when it holds any. @default none */
  readonly failureQueue?: IQueue;
}

export class ControlPlaneMonitoring extends Construct {
  public readonly topic: ITopic;
  public readonly alarms: readonly Alarm[];
  public readonly dashboard?: Dashboard | undefined;
  /** Ownership changes committed by the reconciler (custom metric). */
  public readonly transitionsMetric: Metric;
  /** Reconciler log lines at ERROR level (metric filter). */
  public readonly errorLogsMetric: Metric;
  public readonly savedQueries: SavedLogQueries;

  constructor(scope: Construct, id: string, props: ControlPlaneMonitoringProps) {
    super(scope, id);
    const cluster = props.spec.cluster;
    this.topic = props.topic ?? alarmTopic(this, props.alarmTopicKey ?? false);
    for (const email of props.notificationEmails ?? []) this.topic.addSubscription(new EmailSubscription(email));
    const metrics = new ReconcilerMetrics(cluster);
    this.transitionsMetric = metrics.metric(ReconcilerMetric.transitions, 'Sum');
    new MetricFilter(this, 'ReconcilerErrorLogs', {
      logGroup: props.reconcilerLogs,
      filterPattern: FilterPattern.stringValue('$.level', '=', 'ERROR'),
      metricNamespace: METRICS_NAMESPACE,
      metricName: ReconcilerMetric.errorLogs,
      metricValue: '1',
      dimensions: { [CLUSTER_DIMENSION]: `$.${CLUSTER_DIMENSION}` },
    });
    this.errorLogsMetric = new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: ReconcilerMetric.errorLogs,
      dimensionsMap: { [CLUSTER_DIMENSION]: cluster },
      statistic: 'Sum',
      period: Duration.minutes(1),
    });

    this.alarms = new ControlPlaneAlarms(this, 'Alarms', {
      spec: props.spec,
      metrics,
      action: new SnsAction(this.topic),
      reconciler: props.reconciler,
      functions: Object.fromEntries(Object.entries(props.functions).filter(([, fn]) => fn !== props.reconciler)),
      detailed: props.detailedAlarms,
      errorLogs: this.errorLogsMetric,
      transitions: this.transitionsMetric,
      failureQueue: props.failureQueue,
    }).alarms;

    if (props.dashboard ?? false) {
      this.dashboard = createControlPlaneDashboard(this, 'Dashboard', {
        spec: props.spec,
        metrics,
        functions: props.functions,
        reconcilerLogs: props.reconcilerLogs,
        transitions: this.transitionsMetric,
        errorLogs: this.errorLogsMetric,
      });
    }
    this.savedQueries = new SavedLogQueries(this, 'Queries', { cluster, groups: props.spec.groups.map((g) => g.id), reconcilerLogs: props.reconcilerLogs });
  }
}
