import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData, type IAlarmAction, type IMetric } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ClusterSpec } from '../src/core/model';
import { ReconcilerMetric } from '../src/names';
import type { ReconcilerMetrics } from './reconciler-metrics';

/*
 * The alarms, each one thing an operator must act on (docs/deploy.md says what each means and what
 * to do), all notifying one action. Per group and per node where the metric is, from the config:
 * a group or node added later with the CLI needs a deploy to get its own.
 */

/** The reconciler is "not ticking" below this share of the ticks it should make. */
const TICKS_ALARM_SHARE = 0.5;
const TICKS_PERIOD = Duration.minutes(5);

export interface ControlPlaneAlarmsProps {
  readonly spec: ClusterSpec;
  readonly metrics: ReconcilerMetrics;
  readonly action: IAlarmAction;
  readonly reconciler: IFunction;
  /** Every function whose errors deserve an alarm, by the name the alarm shows. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** Reconciler log lines at ERROR level (from the metric filter). */
  readonly errorLogs: IMetric;
  /** Ownership changes per cluster. */
  readonly transitions: IMetric;
  /** @default no alarm on failed invocations */
  readonly failureQueue?: IQueue | undefined;
}

interface AlarmShape {
  readonly threshold?: number;
  readonly below?: boolean;
  readonly above?: boolean;
  readonly periods?: number;
  readonly missing?: TreatMissingData;
}

export class ControlPlaneAlarms extends Construct {
  public readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, private readonly props: ControlPlaneAlarmsProps) {
    super(scope, id);
    const { spec, metrics } = props;
    const minute = { period: Duration.minutes(1) };

    for (const [name, fn] of Object.entries(props.functions)) {
      this.add(`${name}Errors`, `the ${name} function failed`, fn.metricErrors({ ...minute, statistic: 'Sum' }));
    }
    this.add('ReconcilerNotRunning', 'no reconciler run started for 3 minutes: nothing watches the nodes', props.reconciler.metricInvocations({ ...minute, statistic: 'Sum' }), {
      below: true,
      periods: 3,
      missing: TreatMissingData.BREACHING,
    });
    const expectedTicks = TICKS_PERIOD.toSeconds() / spec.defaults.checkIntervalSeconds;
    this.add(
      'ReconcilerNotTicking',
      `fewer than ${Math.floor(expectedTicks * TICKS_ALARM_SHARE)} reconcile ticks in 5 minutes (${expectedTicks} expected): nothing, or too little, watches the nodes`,
      metrics.metric(ReconcilerMetric.ticks, 'Sum', { period: TICKS_PERIOD }),
      { threshold: Math.floor(expectedTicks * TICKS_ALARM_SHARE), below: true, missing: TreatMissingData.BREACHING },
    );
    this.add('ReconcileTicksFailing', 'reconcile ticks failed (state unknown on those ticks); see the reconciler logs', metrics.metric(ReconcilerMetric.reconcileErrors, 'Sum'));
    this.add(
      'AuthorizationFailures',
      "EC2 refused the control plane's calls for lack of permission: its own IAM is wrong, not the nodes",
      metrics.metric(ReconcilerMetric.authorizationFailures, 'Sum'),
    );
    this.add('OwnershipChanged', 'ownership moved (failover, switchover or switchback); see the history', props.transitions);
    this.add('ReconcilerErrorDecisions', 'the reconciler logged an error (no healthy node, a failed repair); see its logs', props.errorLogs);
    if (props.failureQueue) {
      this.add(
        'FailedInvocations',
        'an event or scheduled run failed for good (after its retries, too old, or undeliverable); read it from the failure queue',
        props.failureQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      );
    }

    for (const group of spec.groups) {
      const value = { value: group.id };
      this.add(`NoHealthyMember-${group.id}`, `group ${group.id} has no healthy member: its owner failed and nothing can take over`, metrics.metric(ReconcilerMetric.noHealthyMember, 'Sum', value));
      this.add(`Failover-${group.id}`, `group ${group.id} failed over to another node`, metrics.metric(ReconcilerMetric.failovers, 'Sum', value));
      this.add(`RepairFailing-${group.id}`, `a repair of group ${group.id} failed with a terminal error`, metrics.metric(ReconcilerMetric.repairFailures, 'Sum', value));
    }
    const staleAfter = spec.defaults.heartbeat.missedBeats * spec.defaults.heartbeat.intervalSeconds;
    for (const node of spec.nodes) {
      this.add(
        `HeartbeatStale-${node.id}`,
        `node ${node.id} (${node.instanceId}): heartbeat older than ${staleAfter} s (missedBeats × intervalSeconds): judged failed`,
        metrics.metric(ReconcilerMetric.heartbeatAgeSeconds, 'Maximum', { value: node.id }),
        { threshold: staleAfter, above: true },
      );
    }
  }

  private add(id: string, description: string, metric: IMetric, shape: AlarmShape = {}): Alarm {
    const comparisonOperator = shape.below
      ? ComparisonOperator.LESS_THAN_THRESHOLD
      : shape.above
        ? ComparisonOperator.GREATER_THAN_THRESHOLD
        : ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD;
    const alarm = new Alarm(this, id, {
      alarmDescription: `ec2-failover ${this.props.spec.cluster}: ${description}`,
      metric,
      threshold: shape.threshold ?? 1,
      comparisonOperator,
      evaluationPeriods: shape.periods ?? 1,
      treatMissingData: shape.missing ?? TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.props.action);
    this.alarms.push(alarm);
    return alarm;
  }
}
