import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterConfigInput } from '../../../src/core/config';
import { METRICS_NAMESPACE, ReconcilerMetric } from '../../../src/names';
import { cleanUpAssemblies, exampleConfig, synthStack } from '../../support/synth';

/*
 * The alarms an operator needs, always on, and the detailed ones on request, on the metrics the loop
 * publishes (namespace Ec2Failover, dimensions service and cluster, plus group or node where the
 * metric is per group or node) and the functions' own, each wired to the alarm topic and
 * documented in docs/deploy.md.
 */

afterAll(() => {
  cleanUpAssemblies();
});

const base = { service: 'ec2-failover', cluster: 'prod-db' };
const dimensions = (extra: Record<string, string> = {}) =>
  Object.entries({ ...base, ...extra })
    .map(([Name, Value]) => ({ Name, Value }))
    .sort((a, b) => a.Name.localeCompare(b.Name));

function alarmsOn(template: Template, metricName: string) {
  return Object.values(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: metricName, Namespace: METRICS_NAMESPACE } })).map(
    (alarm) => ({ ...alarm.Properties, Dimensions: [...(alarm.Properties.Dimensions as { Name: string }[])].sort((a, b) => a.Name.localeCompare(b.Name)) }),
  );
}

/** The example with a slower heartbeat on a third node. */
function threeNodes(): ClusterConfigInput {
  const config = exampleConfig() as unknown as { defaults?: Record<string, unknown>; nodes: unknown[] };
  return {
    ...config,
    defaults: { ...config.defaults, heartbeat: { intervalSeconds: 2, missedBeats: 4 } },
    nodes: [...config.nodes, { id: 'node3', instanceId: 'i-0aaaabbbbccccdddd' }],
  } as unknown as ClusterConfigInput;
}

describe('control-plane alarms', () => {
  it('alarm on any authorization failure and any ERROR the reconciler logs, per cluster; on failed ticks only with the detailed alarms', () => {
    // Act
    const { template } = synthStack();
    const detailed = synthStack(undefined, { detailedAlarms: true }).template;

    // Assess
    const perCluster = expect.objectContaining({ Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    expect(alarmsOn(template, ReconcilerMetric.authorizationFailures)).toEqual([expect.objectContaining({ Dimensions: dimensions() })]);
    expect(alarmsOn(template, ReconcilerMetric.authorizationFailures)).toEqual([perCluster]);
    expect(alarmsOn(template, ReconcilerMetric.errorLogs)).toEqual([perCluster]);
    expect(alarmsOn(template, ReconcilerMetric.reconcileErrors)).toEqual([]);
    expect(alarmsOn(detailed, ReconcilerMetric.reconcileErrors)).toEqual([expect.objectContaining({ Dimensions: dimensions() })]);
  });

  it('alarm per group when it has no healthy member, failed over, or a repair failed, only with the detailed alarms', () => {
    // Act
    const { template } = synthStack(undefined, { detailedAlarms: true });
    const always = synthStack().template;

    // Assess
    for (const metricName of [ReconcilerMetric.noHealthyMember, ReconcilerMetric.failovers, ReconcilerMetric.repairFailures]) {
      const alarms = alarmsOn(template, metricName);
      expect(alarms.map((a) => a.Dimensions), metricName).toEqual([dimensions({ group: 'db' }), dimensions({ group: 'web-eip' })]);
      for (const alarm of alarms) expect(alarm).toMatchObject({ Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      expect(alarmsOn(always, metricName), metricName).toEqual([]);
    }
  });

  it('alarm per node when its heartbeat is missedBeats × intervalSeconds old (the age is published only then)', () => {
    // Act
    const { template } = synthStack(threeNodes());

    // Assess
    const alarms = alarmsOn(template, ReconcilerMetric.heartbeatAgeSeconds);
    expect(alarms.map((a) => a.Dimensions)).toEqual(['node1', 'node2', 'node3'].map((node) => dimensions({ node })));
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({ Statistic: 'Maximum', Threshold: 8, ComparisonOperator: 'GreaterThanOrEqualToThreshold', TreatMissingData: 'notBreaching' });
    }
  });

  it('alarm when no reconciler run starts for 3 minutes, missing data counting, and when a run fails, on the function\'s own metrics', () => {
    // Act
    const { template } = synthStack();

    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      Statistic: 'Sum',
      EvaluationPeriods: 3,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^ControlPlaneReconcilerFunction') } }],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp('^ControlPlaneReconcilerFunction') } }] });
    expect(alarmsOn(template, ReconcilerMetric.ticks)).toEqual([]);
  });

  it('send every alarm to the alarm topic: 5 always-on and one per node, 4 and 3 per group more when detailed', () => {
    // Act
    const { template } = synthStack();
    const detailed = synthStack(undefined, { detailedAlarms: true }).template;

    // Assess
    const [topic] = Object.keys(template.findResources('AWS::SNS::Topic'));
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBe(7);
    expect(Object.keys(detailed.findResources('AWS::CloudWatch::Alarm')).length).toBe(17);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topic }]);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmDescription: Match.stringLikeRegexp('no healthy member') });
  });
});

describe('docs/deploy.md alarms', () => {
  it('documents every alarm the construct creates, with what it means and what to do', () => {
    // Prepare
    const docs = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'deploy.md'), 'utf8');
    const table = docs.split('## Alarms and dashboard')[1]?.split('\n## ')[0] ?? '';

    // Act
    const { stack } = synthStack(undefined, { detailedAlarms: true });

    // Assess
    const firstCells = table.split('\n').filter((line) => line.startsWith('| `')).map((line) => line.split('|')[1] ?? '');
    const documented = firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Za-z]+)/g)].map((m) => m[1]));
    for (const id of stack.controlPlane.alarms.map((alarm) => alarm.node.id.replace(/-.*$/, ''))) expect(documented, id).toContain(id);
    expect(table).toMatch(/\| Alarm \| Means \| Do \|/);
  });
});
