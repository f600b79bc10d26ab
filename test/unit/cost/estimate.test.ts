import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseClusterConfigText } from '../../../src/core/config-text';
import { estimateCost, type CostEstimate } from '../../../src/cost/estimate';
import type { FunctionFacts, StackFacts } from '../../../src/cost/stack-facts';

/*
 * The estimate's arithmetic on stack facts written by hand: the example cluster (2 nodes, one
 * route VIP, one EIP, 1 s heartbeats and ticks) in a 30-day month of 2,592,000 s.
 */

const spec = parseClusterConfigText(readFileSync(join(__dirname, '..', '..', '..', 'examples', 'cluster.yaml'), 'utf8'));

const reconciler: FunctionFacts = { logicalId: 'Reconciler', memoryMb: 256, architecture: 'arm64', timeoutSeconds: 137, trigger: 'schedule', periodSeconds: 60 };

function facts(overrides: Partial<StackFacts> = {}): StackFacts {
  return {
    functions: [reconciler, { logicalId: 'Events', memoryMb: 256, architecture: 'arm64', timeoutSeconds: 15, trigger: 'events' }],
    tables: ['resources', 'heartbeats', 'history'].map((role) => ({ logicalId: role, tableName: `prod-db-${role}`, billingMode: 'PAY_PER_REQUEST' as const })),
    alarms: 18,
    dashboards: 1,
    kmsKeys: 1,
    metricFilters: 1,
    ...overrides,
  };
}

const line = (estimate: CostEstimate, item: string | RegExp) => {
  const found = estimate.lines.find((l) => (typeof item === 'string' ? l.item === item : item.test(l.item)));
  if (!found) throw new Error(`no line ${String(item)}`);
  return found;
};

describe('estimateCost', () => {
  it('prices the reconciler: 43,200 runs of 130 s (137 s timeout less the 7 s stop margin) at 0.25 GB', () => {
    // Act
    const estimate = estimateCost({ spec, facts: facts() });

    // Assess
    expect(estimate.shape).toMatchObject({ runsPerMonth: 43_200, secondsPerRun: 130, ticksPerMonth: 2_592_000 });
    expect(line(estimate, 'reconciler: compute (256 MB, arm64)')).toMatchObject({ quantity: 1_404_000 });
    expect(line(estimate, 'reconciler: compute (256 MB, arm64)').monthlyUsd).toBeCloseTo(18.72, 2);
    expect(line(estimate, 'reconciler: requests').monthlyUsd).toBeCloseTo(0.00864, 5);
  });

  it('counts heartbeats as nodes × one write per interval, and the agents\' and reconciler\'s reads by the table size', () => {
    // Act
    const estimate = estimateCost({ spec, facts: facts() });

    // Assess
    expect(line(estimate, 'prod-db-heartbeats: heartbeats')).toMatchObject({ quantity: 5_184_000 });
    expect(line(estimate, 'prod-db-heartbeats: heartbeats').monthlyUsd).toBeCloseTo(3.24, 2);
    // 2 + 1.5 × 2 resources = 5 KB: 2 read units per consistent Scan; the reconciler's one Scan a tick reads state and events.
    expect(line(estimate, 'prod-db-resources: agents\' ownership reads')).toMatchObject({ quantity: 2 * 2_592_000 * 2 });
    expect(line(estimate, 'prod-db-resources: reconciler Scans')).toMatchObject({ quantity: 2 * 2_592_000 });
    expect(line(estimate, 'prod-db-resources: lease renewals')).toMatchObject({ quantity: 2_592_000 });
    expect(line(estimate, /standby runs/).quantity).toBeCloseTo((130 / 60 - 1) * 2_592_000, 0);
  });

  it('follows the template: memory, architecture, alarms, and a dashboard or key that is absent costs nothing but shows its price', () => {
    // Act
    const estimate = estimateCost({
      spec,
      facts: facts({ functions: [{ ...reconciler, memoryMb: 512, architecture: 'x86_64' }], alarms: 7, dashboards: 0, kmsKeys: 0 }),
    });

    // Assess
    expect(line(estimate, 'reconciler: compute (512 MB, x86_64)').monthlyUsd).toBeCloseTo(2_808_000 * 0.0000166667, 6);
    expect(line(estimate, 'alarms').monthlyUsd).toBeCloseTo(0.7, 6);
    expect(line(estimate, 'dashboard')).toMatchObject({ quantity: 0, monthlyUsd: 0, option: { name: 'dashboard', on: false, monthlyUsdWhenOn: 3 } });
    expect(line(estimate, 'alarm topic key')).toMatchObject({ monthlyUsd: 0, option: { on: false, monthlyUsdWhenOn: 1 } });
  });

  it('prices a provisioned table by its capacity-hours instead of its requests', () => {
    // Act
    const estimate = estimateCost({
      spec,
      facts: facts({ tables: [{ logicalId: 'hb', tableName: 'prod-db-heartbeats', billingMode: 'PROVISIONED', readCapacityUnits: 5, writeCapacityUnits: 4 }] }),
    });

    // Assess
    expect(line(estimate, 'prod-db-heartbeats: read capacity')).toMatchObject({ quantity: 5 * 720 });
    expect(line(estimate, 'prod-db-heartbeats: write capacity').monthlyUsd).toBeCloseTo(4 * 720 * 0.00065, 6);
    expect(estimate.lines.some((l) => l.item === 'prod-db-heartbeats: heartbeats')).toBe(false);
  });

  it('publishes ticks, transitions, lease handovers and one heartbeat age per node all month; the total is the sum of the lines', () => {
    // Act
    const estimate = estimateCost({ spec, facts: facts() });

    // Assess
    expect(line(estimate, 'custom metrics published all month')).toMatchObject({ quantity: 5 });
    expect(line(estimate, 'custom metrics published on events only').monthlyUsd).toBe(0);
    expect(estimate.totalUsd).toBeCloseTo(estimate.lines.reduce((sum, l) => sum + l.monthlyUsd, 0), 9);
    expect(estimate.prices).toEqual({ region: 'us-east-1', takenOn: '2026-12-02' });
  });
});
