import { describe, expect, it } from 'vitest';
import { CloudWatchReadError, type CloudWatchCall } from '../../../../src/aws/cloudwatch/client';
import { checkRecoveryAlarms, ec2ActionOf, instancesOf, type MetricAlarmShape } from '../../../../src/aws/cloudwatch/recovery-alarms';
import { clusterSpec } from '../../../fixtures/specs';

/* Alarms that recover or reboot a node's instance, read from DescribeAlarms answers of CloudWatch's shape. */

const spec = clusterSpec({ nodes: 3 });
const NODE1 = 'i-00000000000000001';
const NODE2 = 'i-00000000000000002';

const alarm = (name: string, instanceId: string, actions: string[]): MetricAlarmShape => ({
  AlarmName: name,
  AlarmActions: actions,
  OKActions: [],
  InsufficientDataActions: [],
  Dimensions: [{ Name: 'InstanceId', Value: instanceId }],
});

/** A CloudWatch answering DescribeAlarms from `pages`, one page per call; records each input. */
function cloudWatch(pages: MetricAlarmShape[][]): { call: CloudWatchCall; inputs: Record<string, unknown>[] } {
  const inputs: Record<string, unknown>[] = [];
  const call: CloudWatchCall = async (action, input) => {
    expect(action).toBe('DescribeAlarms');
    inputs.push(input);
    const page = inputs.length - 1;
    return { MetricAlarms: pages[page] ?? [], CompositeAlarms: [], ...(page + 1 < pages.length ? { NextToken: `t${page + 1}` } : {}) };
  };
  return { call, inputs };
}

describe('ec2ActionOf and instancesOf', () => {
  it.each([
    [['arn:aws:automate:us-east-1:ec2:recover'], 'recover'],
    [['arn:aws:sns:us-east-1:123456789012:ops', 'arn:aws:automate:eu-west-1:ec2:reboot'], 'reboot'],
    [['arn:aws:swf:us-east-1:123456789012:action/actions/AWS_EC2.InstanceId.Reboot/1.0'], 'reboot'],
    [['arn:aws:automate:us-east-1:ec2:stop'], undefined],
    [['arn:aws:sns:us-east-1:123456789012:ops'], undefined],
  ])('%j is %s', (actions, expected) => {
    // Act, Assess
    expect(ec2ActionOf({ AlarmActions: actions })).toBe(expected);
  });

  it('finds the instance in plain and metric-math dimensions', () => {
    // Act, Assess
    expect(instancesOf({ Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'x' }], Metrics: [{ MetricStat: { Metric: { Dimensions: [{ Name: 'InstanceId', Value: NODE2 }] } } }, {}] })).toEqual([NODE2]);
  });
});

describe('checkRecoveryAlarms', () => {
  it('warns per node about each alarm that recovers or reboots it, over every page, and passes the others', async () => {
    // Prepare
    const { call, inputs } = cloudWatch([
      [alarm('cpu-high', NODE1, ['arn:aws:sns:us-east-1:123456789012:ops']), alarm('node1-recover', NODE1, ['arn:aws:automate:us-east-1:ec2:recover'])],
      [{ ...alarm('node1-reboot', NODE1, []), OKActions: ['arn:aws:automate:us-east-1:ec2:reboot'] }, alarm('other-recover', 'i-0fffffffffffffff0', ['arn:aws:automate:us-east-1:ec2:recover'])],
    ]);

    // Act
    const checks = await checkRecoveryAlarms(call, spec);

    // Assess
    expect(inputs).toEqual([{ AlarmTypes: ['MetricAlarm'], MaxRecords: 100 }, { AlarmTypes: ['MetricAlarm'], MaxRecords: 100, NextToken: 't1' }]);
    expect(checks.map((c) => [c.status, c.subject, c.detail])).toEqual([
      ['warn', `recovery alarms of ${NODE1} (node1)`, 'node1-recover (recover), node1-reboot (reboot) act on it: EC2 would reboot or recover the node while the control plane fails its group over (and, with fencing: stop, stops it)'],
      ['pass', `recovery alarms of ${NODE2} (node2)`, 'no CloudWatch alarm recovers or reboots it (4 alarms read)'],
      ['pass', 'recovery alarms of i-00000000000000003 (node3)', 'no CloudWatch alarm recovers or reboots it (4 alarms read)'],
    ]);
    expect(checks[0]!.action).toMatch(/^Remove the EC2 action from the alarm/);
  });

  it.each([
    ['a denied read', new CloudWatchReadError('DescribeAlarms', 'AccessDenied', 'User: arn:aws:sts::123456789012:assumed-role/ops/x is not authorized to perform: cloudwatch:DescribeAlarms'), 'not checked: cloudwatch:DescribeAlarms denied (AccessDenied)', /^Grant cloudwatch:DescribeAlarms/],
    ['an unreachable CloudWatch', new CloudWatchReadError('DescribeAlarms', 'ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'), 'not checked: CloudWatch could not be read (ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:9)', /^Check the endpoint/],
  ])('turns %s into one warning, not a failure', async (_label, error, detail, action) => {
    // Prepare
    const call: CloudWatchCall = async () => {
      throw error;
    };

    // Act
    const checks = await checkRecoveryAlarms(call, spec);

    // Assess
    expect(checks).toEqual([{ status: 'warn', subject: 'recovery alarms', detail, action: expect.stringMatching(action) }]);
  });
});
