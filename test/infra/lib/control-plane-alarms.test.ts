import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterConfigInput } from '../../../src/core/config';
import { METRICS_NAMESPACE, ReconcilerMetric } from '../../../src/names';
import { cleanUpAssemblies, exampleConfig, synthStack } from '../../support/synth';

/*
 * The alarms an operator needs, on the metrics the loop publishes (namespace Ec2Failover, dimensions
 * service and cluster, plus group or node where the metric is per group or node), each wired to the
 * alarm topic and documented in docs/deploy.md.
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
  it('alarm on any reconcile error and any authorization failure, per cluster', () => {
    // Act
    const { template } = synthStack();

    // Assess
    for (const metricName of [ReconcilerMetric.reconcileErrors, ReconcilerMetric.authorizationFailures]) {
      expect(alarmsOn(template, metricName), metricName).toEqual([
        expect.objectContaining({
          Dimensions: dimensions(),
          Statistic: 'Sum',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          EvaluationPeriods: 1,
          TreatMissingData: 'notBreaching',
        }),
      ]);
    }
  });

  it('alarm per group when it has no healthy member, failed over, or a repair failed', () => {
    // Act
    const { template } = synthStack();

    // Assess
    for (const metricName of [ReconcilerMetric.noHealthyMember, ReconcilerMetric.failovers, ReconcilerMetric.repairFailures]) {
      const alarms = alarmsOn(template, metricName);
      expect(alarms.map((a) => a.Dimensions), metricName).toEqual([dimensions({ group: 'db' }), dimensions({ group: 'web-eip' })]);
      for (const alarm of alarms) expect(alarm).toMatchObject({ Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
  });

  it("alarm per node when its heartbeat is older than missedBeats × intervalSeconds", () => {
    // Act
    const { template } = synthStack(threeNodes());

    // Assess
    const alarms = alarmsOn(template, ReconcilerMetric.heartbeatAgeSeconds);
    expect(alarms.map((a) => a.Dimensions)).toEqual(['node1', 'node2', 'node3'].map((node) => dimensions({ node })));
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({ Statistic: 'Maximum', Threshold: 8, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching' });
    }
  });

  it('alarm when the reconciler ticks less than half as often as it should, missing data counting', () => {
    // Act
    const { template } = synthStack();

    // Assess
    expect(alarmsOn(template, ReconcilerMetric.ticks)).toEqual([
      expect.objectContaining({
        Dimensions: dimensions(),
        Statistic: 'Sum',
        Period: 300,
        Threshold: 150,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      }),
    ]);
  });

  it('send every alarm to the alarm topic', () => {
    // Act
    const { template } = synthStack();

    // Assess
    const [topic] = Object.keys(template.findResources('AWS::SNS::Topic'));
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.length).toBe(18);
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
    const { stack } = synthStack();

    // Assess
    const firstCells = table.split('\n').filter((line) => line.startsWith('| `')).map((line) => line.split('|')[1] ?? '');
    const documented = firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Za-z]+)/g)].map((m) => m[1]));
    for (const id of stack.controlPlane.alarms.map((alarm) => alarm.node.id.replace(/-.*$/, ''))) expect(documented, id).toContain(id);
    expect(table).toMatch(/\| Alarm \| Means \| Do \|/);
  });
});
