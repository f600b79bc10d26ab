import { Duration } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULE_LATENESS_SECONDS, reconcilerStopMarginSeconds } from '../../../lib/reconciler-sizing';
import { parseClusterConfig } from '../../../src/core/config';
import { cleanUpAssemblies, exampleConfig, synthStack } from '../../support/synth';

/*
 * Runs that never leave the nodes unwatched: each reconciler run loops past the latest start of the
 * next one, enough concurrency is reserved for the runs that overlap, and every asynchronously
 * invoked function has a chosen event age, retry count and an encrypted failure queue.
 */

afterAll(() => {
  cleanUpAssemblies();
});

const RATE_SECONDS: Record<string, number> = { minute: 60, minutes: 60, hour: 3600, hours: 3600 };

function reconcilerOf(template: Template) {
  const [entry] = Object.entries(template.findResources('AWS::Lambda::Function', { Properties: { Description: Match.stringLikeRegexp('reconcile loop') } }));
  return { logicalId: entry![0], properties: entry![1].Properties as { Timeout: number; ReservedConcurrentExecutions?: number } };
}

function schedulePeriodSeconds(template: Template): number {
  const [rule] = Object.values(template.findResources('AWS::Events::Rule', { Properties: { ScheduleExpression: Match.stringLikeRegexp('^rate') } }));
  const [, value, unit] = /^rate\((\d+) (\w+)\)$/.exec(rule!.Properties.ScheduleExpression as string)!;
  return Number(value) * RATE_SECONDS[unit!]!;
}

describe('reconciler runs', () => {
  it('run past the latest start of the next run: timeout ≥ schedule period + lateness allowance + stop margin', () => {
    // Act
    const { template } = synthStack();

    // Assess
    const margin = reconcilerStopMarginSeconds(parseClusterConfig(exampleConfig()));
    const { Timeout } = reconcilerOf(template).properties;
    expect(margin).toBe(7);
    expect(Timeout).toBeGreaterThanOrEqual(schedulePeriodSeconds(template) + DEFAULT_SCHEDULE_LATENESS_SECONDS + margin);
    expect(Timeout).toBe(137);
  });

  it('reserve concurrency for every run that can overlap, and at least 2', () => {
    // Act
    const { template } = synthStack();

    // Assess
    const { Timeout, ReservedConcurrentExecutions } = reconcilerOf(template).properties;
    const overlapping = Math.ceil((Timeout + DEFAULT_SCHEDULE_LATENESS_SECONDS) / schedulePeriodSeconds(template));
    expect(ReservedConcurrentExecutions).toBeGreaterThanOrEqual(2);
    expect(ReservedConcurrentExecutions).toBeGreaterThanOrEqual(overlapping);
  });

  it('size the timeout from a longer schedule and a smaller lateness allowance', () => {
    // Act
    const { template } = synthStack(undefined, { reconcilerSchedule: Schedule.rate(Duration.minutes(5)), reconcilerScheduleLateness: Duration.seconds(20) });

    // Assess
    expect(reconcilerOf(template).properties).toMatchObject({ Timeout: 327, ReservedConcurrentExecutions: 2 });
  });

  it('refuse sizes that leave gaps, overlap more runs than reserved, or Lambda cannot run, with their codes', () => {
    // Act
    const gap = () => synthStack(undefined, { reconcilerTimeout: Duration.seconds(120) });
    const tooFew = () => synthStack(undefined, { reconcilerReservedConcurrency: 2 });
    const tooLong = () => synthStack(undefined, { reconcilerSchedule: Schedule.rate(Duration.minutes(15)) });
    const cron = () => synthStack(undefined, { reconcilerSchedule: Schedule.expression('cron(* * * * ? *)') });

    // Assess
    expect(gap).toThrow(
      /^EC2F-K003 a reconciler run loops for 113 s \(reconcilerTimeout 120 s minus its 7 s stop margin\), but the next run may start up to 130 s after it \(every 60 s, up to 70 s late\): set reconcilerTimeout to at least 137 s/,
    );
    expect(tooFew).toThrow(/^EC2F-K004 up to 4 reconciler runs overlap \(137 s each, one starting every 60 s, up to 70 s late\); reconcilerReservedConcurrency 2 would throttle the next one/);
    expect(tooLong).toThrow(/^EC2F-K003 reconcilerTimeout must be at most 900 s; runs every 900 s need 977 s/);
    expect(cron).toThrow(/^EC2F-K003 reconcilerSchedule must be a rate\(…\) expression/);
  });
});

describe('asynchronous invocations', () => {
  it('give the reconciler and the events function a chosen event age, retries and a failure queue', () => {
    // Act
    const { template } = synthStack();

    // Assess
    const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
    expect(queues).toHaveLength(1);
    const onFailure = { OnFailure: { Destination: { 'Fn::GetAtt': [queues[0], 'Arn'] } } };
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: reconcilerOf(template).logicalId },
      MaximumEventAgeInSeconds: 60,
      MaximumRetryAttempts: 0,
      DestinationConfig: onFailure,
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: Match.stringLikeRegexp('Events') },
      MaximumEventAgeInSeconds: 120,
      MaximumRetryAttempts: 1,
      DestinationConfig: onFailure,
    });
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', 2);
  });

  it('keep failed invocations in an encrypted queue that refuses plain HTTP, and alarm on it', () => {
    // Act
    const { template } = synthStack();

    // Assess
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });
  });

  it('send events EventBridge could not deliver to the same queue', () => {
    // Act
    const { template } = synthStack();

    // Assess
    const [queue] = Object.keys(template.findResources('AWS::SQS::Queue'));
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      for (const target of rule.Properties.Targets as { DeadLetterConfig?: unknown }[]) {
        expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [queue, 'Arn'] } });
      }
    }
  });
});
