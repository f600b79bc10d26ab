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
 * to do), all notifying one action. Always: no reconciler run starting, reconciler runs failing,
 * an invocation failed for good (the failure queue), EC2 refusing the control plane, an ERROR the
 * reconciler logged (no healthy member, a failover or repair that did not complete, a failed tick)
 * and, per node, a silent heartbeat. With `detailed`, under `Detailed`: the other functions'
 * errors, failed ticks, ownership changes and, per group, no healthy member, failovers and failed
 * repairs ($0.10 a month each). Per group and per node from the config: a group or node added
 * later with the CLI needs a deploy to get its own.
 */

export interface ControlPlaneAlarmsProps {
  readonly spec: ClusterSpec;
  readonly metrics: ReconcilerMetrics;
  readonly action: IAlarmAction;
  readonly reconciler: IFunction;
  /** The other functions whose errors get a detailed alarm, by the name the alarm shows. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** Reconciler log lines at ERROR level (from the metric filter). */
  readonly errorLogs: IMetric;
  /** Ownership changes per cluster. */
  readonly transitions: IMetric;
  /** @default no alarm on failed invocations */
  readonly failureQueue?: IQueue | undefined;
  /** @default false */
  readonly detailed?: boolean | undefined;
}

interface AlarmShape {
  readonly threshold?: number;
  readonly below?: boolean;
  readonly periods?: number;
  readonly missing?: TreatMissingData;
}

export class ControlPlaneAlarms extends Construct {
  public readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, private readonly props: ControlPlaneAlarmsProps) {
    super(scope, id);
    this.addAlwaysOn();
    if (props.detailed ?? false) this.addDetailed(new Construct(this, 'Detailed'));
  }

  private addAlwaysOn(): void {
    const { spec, metrics, reconciler } = this.props;
    const minute = { period: Duration.minutes(1) };
    this.add(this, 'ReconcilerNotRunning', 'no reconciler run started for 3 minutes: nothing watches the nodes', reconciler.metricInvocations({ ...minute, statistic: 'Sum' }), {
      below: true,
      periods: 3,
      missing: TreatMissingData.BREACHING,
    });
    this.add(this, 'ReconcilerErrors', 'the Reconciler function failed', reconciler.metricErrors({ ...minute, statistic: 'Sum' }));
    if (this.props.failureQueue) {
      this.add(
        this,
        'FailedInvocations',
        'an event or scheduled run failed for good (after its retries, too old, or undeliverable); read it from the failure queue',
        this.props.failureQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      );
    }
    this.add(this, 'AuthorizationFailures', "EC2 refused the control plane's calls for lack of permission: its own IAM is wrong, not the nodes", metrics.metric(ReconcilerMetric.authorizationFailures, 'Sum'));
    this.add(this, 'ReconcilerErrorDecisions', 'the reconciler logged an error (no healthy member, a failover or repair that did not complete, a failed tick); see its logs', this.props.errorLogs);
    const staleAfter = spec.defaults.heartbeat.missedBeats * spec.defaults.heartbeat.intervalSeconds;
    for (const node of spec.nodes) {
      this.add(
        this,
        `HeartbeatStale-${node.id}`,
        `node ${node.id} (${node.instanceId}): heartbeat at least ${staleAfter} s old (missedBeats × intervalSeconds): judged failed`,
        metrics.metric(ReconcilerMetric.heartbeatAgeSeconds, 'Maximum', { value: node.id }),
        { threshold: staleAfter },
      );
    }
  }

  private addDetailed(scope: Construct): void {
    const { spec, metrics } = this.props;
    for (const [name, fn] of Object.entries(this.props.functions)) {
      this.add(scope, `${name}Errors`, `the ${name} function failed`, fn.metricErrors({ period: Duration.minutes(1), statistic: 'Sum' }));
    }
    this.add(scope, 'ReconcileTicksFailing', 'reconcile ticks failed (state unknown on those ticks); see the reconciler logs', metrics.metric(ReconcilerMetric.reconcileErrors, 'Sum'));
    this.add(scope, 'OwnershipChanged', 'ownership moved (failover, switchover or switchback); see the history', this.props.transitions);
    for (const group of spec.groups) {
      const value = { value: group.id };
      this.add(scope, `NoHealthyMember-${group.id}`, `group ${group.id} has no healthy member: its owner failed and nothing can take over`, metrics.metric(ReconcilerMetric.noHealthyMember, 'Sum', value));
      this.add(scope, `Failover-${group.id}`, `group ${group.id} failed over to another node`, metrics.metric(ReconcilerMetric.failovers, 'Sum', value));
      this.add(scope, `RepairFailing-${group.id}`, `a repair of group ${group.id} failed with a terminal error`, metrics.metric(ReconcilerMetric.repairFailures, 'Sum', value));
    }
  }

  private add(scope: Construct, id: string, description: string, metric: IMetric, shape: AlarmShape = {}): Alarm {
    const alarm = new Alarm(scope, id, {
      alarmDescription: `ec2-failover ${this.props.spec.cluster}: ${description}`,
      metric,
      threshold: shape.threshold ?? 1,
      comparisonOperator: shape.below ? ComparisonOperator.LESS_THAN_THRESHOLD : ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: shape.periods ?? 1,
      treatMissingData: shape.missing ?? TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.props.action);
    this.alarms.push(alarm);
    return alarm;
  }
}
