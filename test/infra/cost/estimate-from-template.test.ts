import { Duration } from 'aws-cdk-lib';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { afterAll, describe, expect, it } from 'vitest';
import { parseClusterConfig } from '../../../src/core/config';
import { estimateCost, type CostEstimate } from '../../../src/cost/estimate';
import { readStackFacts } from '../../../src/cost/stack-facts';
import { cleanUpAssemblies, exampleConfig, synthStack } from '../../support/synth';

/*
 * The estimate reads the synthesized stack, not the construct's defaults: change the reconciler's
 * memory or schedule, or drop the dashboard, and the lines follow the template.
 */

afterAll(() => {
  cleanUpAssemblies();
});

const spec = parseClusterConfig(exampleConfig());

function estimateOf(props: Parameters<typeof synthStack>[1] = {}): { estimate: CostEstimate; alarms: number } {
  const { template } = synthStack(undefined, props);
  const estimate = estimateCost({ spec, facts: readStackFacts(template.toJSON()) });
  return { estimate, alarms: Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length };
}

const line = (estimate: CostEstimate, item: RegExp) => estimate.lines.find((l) => item.test(l.item))!;

describe('cost estimate of the synthesized stack', () => {
  it('prices the default stack from its template: 256 MB arm64 reconciler, every alarm and the topic key; a dashboard only when asked', () => {
    // Act
    const { estimate, alarms } = estimateOf();
    const withDashboard = estimateOf({ dashboard: true }).estimate;

    // Assess
    expect(line(estimate, /^reconciler: compute/)).toMatchObject({ item: 'reconciler: compute (256 MB, arm64)', quantity: 43_200 * 130 * 0.25 });
    expect(line(estimate, /^alarms$/).quantity).toBe(alarms);
    expect(line(estimate, /^dashboard$/)).toMatchObject({ quantity: 0, monthlyUsd: 0, option: { on: false, monthlyUsdWhenOn: 3 } });
    expect(line(withDashboard, /^dashboard$/)).toMatchObject({ quantity: 1, monthlyUsd: 3, option: { on: true } });
    expect(line(estimate, /^alarm topic key$/)).toMatchObject({ quantity: 1, monthlyUsd: 1 });
  });

  it('follows the reconciler\'s memory and schedule, and prices an absent dashboard at zero', () => {
    // Act
    const { estimate } = estimateOf({ reconcilerMemorySize: 512, reconcilerSchedule: Schedule.rate(Duration.minutes(5)) });

    // Assess
    // A run every 300 s of 370 s (timeout 377 s less the 7 s stop margin) at 0.5 GB.
    expect(estimate.shape).toMatchObject({ runsPerMonth: 8_640, secondsPerRun: 370, memoryMb: 512 });
    expect(line(estimate, /^reconciler: compute/)).toMatchObject({ item: 'reconciler: compute (512 MB, arm64)', quantity: 8_640 * 370 * 0.5 });
    expect(line(estimate, /^dashboard$/)).toMatchObject({ quantity: 0, monthlyUsd: 0, option: { name: 'dashboard', on: false, monthlyUsdWhenOn: 3 } });
  });

  it('prices provisioned tables by their capacity-hours, sized from the config, at about half the on-demand requests', () => {
    // Act
    const onDemand = estimateOf().estimate;
    const { estimate } = estimateOf({ tableCapacity: 'provisioned' });
    const dynamo = (e: CostEstimate) => e.lines.filter((l) => l.service === 'DynamoDB').reduce((sum, l) => sum + l.monthlyUsd, 0);

    // Assess
    // Resources: 2 + 3 standby + 2 × 2 RRU/s → 9 × 1.5 + 1 = 15 RCU; a lease renewal a second and verdicts every 5 s, 1.2 WRU/s → 3 WCU.
    // Heartbeats: 1 RRU/s → 3 RCU; 2 WRU/s → 4 WCU.
    expect(line(estimate, /^prod-db-resources: read capacity$/)).toMatchObject({ quantity: 15 * 720 });
    expect(line(estimate, /^prod-db-resources: write capacity$/)).toMatchObject({ quantity: 3 * 720 });
    expect(line(estimate, /^prod-db-heartbeats: read capacity$/)).toMatchObject({ quantity: 3 * 720 });
    expect(line(estimate, /^prod-db-heartbeats: write capacity$/)).toMatchObject({ quantity: 4 * 720 });
    expect(line(estimate, /^prod-db-history: history entries$/).monthlyUsd).toBe(0);
    expect(dynamo(estimate)).toBeLessThan(dynamo(onDemand) * 0.65);
  });
});
