import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Topic, type ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { CLUSTER_DIMENSION, METRICS_NAMESPACE, ReconcilerMetric, SERVICE_NAME } from '../src/names';

/*
 * What tells an operator the control plane needs attention: alarms on the functions' errors, on
 * the reconciler not running, on a failover having happened and on error-level decisions (no
 * healthy node to fail over to, a repair that failed), all sent to one encrypted SNS topic; and a
 * small dashboard of the same figures.
 */

export interface ControlPlaneMonitoringProps {
  readonly cluster: string;
  readonly reconciler: IFunction;
  readonly reconcilerLogs: ILogGroup;
  /** Every function whose errors deserve an alarm, by the name the alarm and dashboard show. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** @default a new topic, encrypted with a new KMS key that CloudWatch may use */
  readonly topic?: ITopic;
  /** @default none */
  readonly notificationEmails?: readonly string[];
  /** @default true */
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

  constructor(scope: Construct, id: string, props: ControlPlaneMonitoringProps) {
    super(scope, id);
    this.topic = props.topic ?? this.encryptedTopic();
    for (const email of props.notificationEmails ?? []) this.topic.addSubscription(new EmailSubscription(email));
    const action = new SnsAction(this.topic);
    const dimensionsMap = { service: SERVICE_NAME, [CLUSTER_DIMENSION]: props.cluster };

    this.transitionsMetric = new Metric({
      namespace: METRICS_NAMESPACE,
      metricName: ReconcilerMetric.transitions,
      dimensionsMap,
      statistic: 'Sum',
      period: Duration.minutes(1),
    });
    const ticksMetric = new Metric({ namespace: METRICS_NAMESPACE, metricName: ReconcilerMetric.ticks, dimensionsMap, statistic: 'Sum', period: Duration.minutes(1) });
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
      dimensionsMap: { [CLUSTER_DIMENSION]: props.cluster },
      statistic: 'Sum',
      period: Duration.minutes(1),
    });

    const alarm = (alarmId: string, description: string, metric: IMetric, options: { lessThan?: boolean; periods?: number; missing?: TreatMissingData } = {}) => {
      const created = new Alarm(this, alarmId, {
        alarmDescription: `ec2-failover ${props.cluster}: ${description}`,
        metric,
        threshold: 1,
        comparisonOperator: options.lessThan ? ComparisonOperator.LESS_THAN_THRESHOLD : ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: options.periods ?? 1,
        treatMissingData: options.missing ?? TreatMissingData.NOT_BREACHING,
      });
      created.addAlarmAction(action);
      return created;
    };
    const alarms: Alarm[] = [];
    for (const [name, fn] of Object.entries(props.functions)) {
      alarms.push(alarm(`${name}Errors`, `the ${name} function failed`, fn.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' })));
    }
    alarms.push(
      alarm('ReconcilerNotRunning', 'no reconciler run started for 3 minutes: nothing watches the nodes', props.reconciler.metricInvocations({ period: Duration.minutes(1), statistic: 'Sum' }), {
        lessThan: true,
        periods: 3,
        missing: TreatMissingData.BREACHING,
      }),
      alarm('OwnershipChanged', 'ownership moved (failover, switchover or switchback); see the history', this.transitionsMetric),
      alarm('ReconcilerErrorDecisions', 'the reconciler logged an error (no healthy node, a failed repair); see its logs', this.errorLogsMetric),
    );
    if (props.failureQueue) {
      alarms.push(
        alarm(
          'FailedInvocations',
          'an event or scheduled run failed for good (after its retries, too old, or undeliverable); read it from the failure queue',
          props.failureQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        ),
      );
    }
    this.alarms = alarms;

    if (props.dashboard ?? true) {
      const byFunction = (metricOf: (fn: IFunction) => IMetric) => Object.values(props.functions).map(metricOf);
      this.dashboard = new Dashboard(this, 'Dashboard', {
        dashboardName: `ec2-failover-${props.cluster}`.replace(/[^A-Za-z0-9_-]/g, '-'),
        widgets: [
          [
            new GraphWidget({ title: 'Invocations', left: byFunction((fn) => fn.metricInvocations({ period: Duration.minutes(1) })), width: 8 }),
            new GraphWidget({ title: 'Errors', left: byFunction((fn) => fn.metricErrors({ period: Duration.minutes(1) })), width: 8 }),
            new GraphWidget({ title: 'Duration (max)', left: byFunction((fn) => fn.metricDuration({ period: Duration.minutes(1), statistic: 'Maximum' })), width: 8 }),
          ],
          [
            new GraphWidget({ title: 'Ownership changes', left: [this.transitionsMetric], width: 8 }),
            new GraphWidget({ title: 'Reconcile ticks', left: [ticksMetric], width: 8 }),
            new GraphWidget({ title: 'Reconciler error decisions', left: [this.errorLogsMetric], width: 8 }),
          ],
        ],
      });
    }
  }

  private encryptedTopic(): Topic {
    const stack = Stack.of(this);
    const key = new Key(this, 'TopicKey', {
      description: 'ec2-failover alarm notifications',
      enableKeyRotation: true,
      // The topic goes with the stack; a retained key would cost $1 a month for nothing.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch publishes alarm notifications itself: it needs the key and the topic's consent,
    // both only for alarms of this account (no confused deputy).
    const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [cloudWatch],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    const topic = new Topic(this, 'Topic', { displayName: 'ec2-failover alarms', masterKey: key, enforceSSL: true });
    topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfThisAccount',
        principals: [cloudWatch],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: {
          ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );
    return topic;
  }
}
