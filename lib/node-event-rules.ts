import { Duration } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { ClusterSpec } from '../src/core/model';

/*
 * EventBridge rules that tell the control plane a node is going down before its heartbeats stop:
 * EC2 state changes of the protected instances and state changes of the configured alarms.
 * The patterns name the cluster's instances and alarms, so no other event costs an invocation.
 * Instances coming up ("pending", "running") are forwarded too: events are judged by their own
 * time, and a newer start must replace a recorded stop rather than leave it standing.
 */

/** Every instance state EC2 announces: going down, and coming back. */
export const FORWARDED_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated'] as const;

export interface NodeEventRulesProps {
  readonly spec: ClusterSpec;
  /** The function that records each event for the reconcile loop. */
  readonly target: IFunction;
  /**
   * Where events go that EventBridge could not deliver to the function.
   * @default dropped
   */
  readonly deadLetterQueue?: IQueue;
}

export class NodeEventRules extends Construct {
  public readonly instanceStateRule: Rule;
  /** Absent when no node names an `alarmName`. */
  public readonly alarmStateRule?: Rule | undefined;

  constructor(scope: Construct, id: string, props: NodeEventRulesProps) {
    super(scope, id);
    // An event that arrives minutes late says nothing the loop has not seen by then.
    const target = () => new LambdaFunction(props.target, { retryAttempts: 4, maxEventAge: Duration.minutes(2), deadLetterQueue: props.deadLetterQueue });
    this.instanceStateRule = new Rule(this, 'InstanceState', {
      description: `ec2-failover ${props.spec.cluster}: a protected instance changed state`,
      eventPattern: {
        source: ['aws.ec2'],
        detailType: ['EC2 Instance State-change Notification'],
        detail: { 'instance-id': props.spec.nodes.map((n) => n.instanceId), state: [...FORWARDED_STATES] },
      },
      targets: [target()],
    });
    const alarmNames = props.spec.nodes.flatMap((n) => (n.alarmName === undefined ? [] : [n.alarmName]));
    if (alarmNames.length > 0) {
      this.alarmStateRule = new Rule(this, 'AlarmState', {
        description: `ec2-failover ${props.spec.cluster}: a node's health alarm changed state`,
        eventPattern: { source: ['aws.cloudwatch'], detailType: ['CloudWatch Alarm State Change'], detail: { alarmName: alarmNames } },
        targets: [target()],
      });
    }
  }
}
