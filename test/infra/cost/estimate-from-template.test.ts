import { Duration } from 'aws-cdk-lib';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { afterAll, describe, expect, it } from 'vitest';
import { parseClusterConfig } from '../../../src/core/config';
import { estimateCost, type CostEstimate } from '../../../src/cost/estimate';
import { detailedAlarmCount } from '../../../src/cost/cloudwatch-lines';
import { readStackFacts } from '../../../src/cost/stack-facts';
import { cleanUpAssemblies, exampleConfig, synthStack } from '../../support/synth';

/*
 * The estimate reads the synthesized stack, not the construct's defaults: change the run shape,
 * the reconciler's memory or schedule, the table capacity or the options, and the lines follow
 * the template.
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
  it('prices the default stack from its template under $5: an on-demand 256 MB arm64 reconciler, provisioned tables, the always-on alarms; options only when asked', () => {
    // Act
    const { estimate, alarms } = estimateOf();
    const withOptions = estimateOf({ dashboard: true, detailedAlarms: true, alarmTopicKey: true });

    // Assess
    expect(estimate.totalUsd).toBeLessThan(5);
    expect(estimate.shape).toMatchObject({ name: 'on-demand', runsPerMonth: 43_400 });
    expect(line(estimate, /^reconciler: compute/)).toMatchObject({ item: 'reconciler: compute (256 MB, arm64)', quantity: (43_200 * 2 + 200 * 10) * 0.25 });
    expect(line(estimate, /^prod-db-heartbeats: write capacity$/)).toMatchObject({ quantity: 3 * 720 });
    expect(line(estimate, /^alarms$/).quantity).toBe(alarms);
    expect(line(estimate, /^detailed alarms$/)).toMatchObject({ quantity: 0, monthlyUsd: 0, option: { on: false } });
    expect(line(estimate, /^dashboard$/)).toMatchObject({ quantity: 0, monthlyUsd: 0, option: { on: false, monthlyUsdWhenOn: 3 } });
    expect(line(estimate, /^alarm topic key$/)).toMatchObject({ quantity: 0, monthlyUsd: 0, option: { on: false, monthlyUsdWhenOn: 1 } });
    expect(line(withOptions.estimate, /^detailed alarms$/)).toMatchObject({ quantity: detailedAlarmCount(spec), option: { on: true } });
    expect(line(withOptions.estimate, /^alarms$/).quantity + detailedAlarmCount(spec)).toBe(withOptions.alarms);
    expect(line(withOptions.estimate, /^dashboard$/)).toMatchObject({ quantity: 1, monthlyUsd: 3, option: { on: true } });
    expect(line(withOptions.estimate, /^alarm topic key$/)).toMatchObject({ quantity: 1, monthlyUsd: 1 });
  });

  it('prices a resident reconciler as before: 43,200 runs of 130 s, overlapping, on-demand tables', () => {
    // Act
    const { estimate } = estimateOf({ runShape: 'resident' });

    // Assess
    expect(estimate.shape).toMatchObject({ name: 'resident', runsPerMonth: 43_200, secondsPerRun: 130 });
    expect(line(estimate, /^reconciler: compute/)).toMatchObject({ quantity: 43_200 * 130 * 0.25 });
    expect(line(estimate, /^reconciler: compute/).monthlyUsd).toBeCloseTo(18.72, 2);
    expect(line(estimate, /^prod-db-heartbeats: heartbeats$/)).toMatchObject({ quantity: 5_184_000 });
  });

  it('follows the reconciler\'s memory and schedule, and prices an absent dashboard at zero', () => {
    // Act
    const { estimate } = estimateOf({ runShape: 'resident', reconcilerMemorySize: 512, reconcilerSchedule: Schedule.rate(Duration.minutes(5)) });

    // Assess
    // A run every 300 s of 370 s (timeout 377 s less the 7 s stop margin) at 0.5 GB.
    expect(estimate.shape).toMatchObject({ runsPerMonth: 8_640, secondsPerRun: 370, memoryMb: 512 });
    expect(line(estimate, /^reconciler: compute/)).toMatchObject({ item: 'reconciler: compute (512 MB, arm64)', quantity: 8_640 * 370 * 0.5 });
    expect(line(estimate, /^dashboard$/)).toMatchObject({ quantity: 0, monthlyUsd: 0, option: { name: 'dashboard', on: false, monthlyUsdWhenOn: 3 } });
  });

  it('prices provisioned tables by their capacity-hours, sized from the config, below the on-demand requests', () => {
    // Act
    const onDemandTables = estimateOf({ tableCapacity: 'on-demand' }).estimate;
    const { estimate } = estimateOf();
    const resident = estimateOf({ runShape: 'resident', tableCapacity: 'provisioned' }).estimate;
    const dynamo = (e: CostEstimate) => e.lines.filter((l) => l.service === 'DynamoDB').reduce((sum, l) => sum + l.monthlyUsd, 0);

    // Assess
    expect(line(estimate, /^prod-db-resources: read capacity$/)).toMatchObject({ quantity: 6 * 720 });
    expect(line(estimate, /^prod-db-resources: write capacity$/)).toMatchObject({ quantity: 2 * 720 });
    expect(line(estimate, /^prod-db-heartbeats: read capacity$/)).toMatchObject({ quantity: 4 * 720 });
    expect(line(resident, /^prod-db-resources: read capacity$/)).toMatchObject({ quantity: 15 * 720 });
    expect(line(resident, /^prod-db-heartbeats: read capacity$/)).toMatchObject({ quantity: 6 * 720 });
    expect(line(estimate, /^prod-db-history: history entries$/).monthlyUsd).toBe(0);
    expect(dynamo(estimate)).toBeLessThan(dynamo(onDemandTables) * 0.65);
    expect(estimate.options.find((o) => o.name.startsWith('tableCapacity on-demand'))?.monthlyUsdWhenOn).toBeCloseTo(dynamo(onDemandTables), 6);
  });
});
