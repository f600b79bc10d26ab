import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseClusterConfigText } from '../../../src/core/config-text';
import { estimateCost, type CostEstimate } from '../../../src/cost/estimate';
import type { FunctionFacts, StackFacts } from '../../../src/cost/stack-facts';

/*
 * The estimate's arithmetic on stack facts written by hand: the example cluster (2 nodes, one
 * route VIP, one EIP, 1 s heartbeats and ticks) in a 30-day month of 2,592,000 s, with a resident
 * reconciler (priced as before the run shapes) and with an on-demand one (the default).
 */

const spec = parseClusterConfigText(readFileSync(join(__dirname, '..', '..', '..', 'examples', 'cluster.yaml'), 'utf8'));

const reconciler: FunctionFacts = { logicalId: 'Reconciler', memoryMb: 256, architecture: 'arm64', timeoutSeconds: 137, trigger: 'schedule', periodSeconds: 60, runShape: 'resident' };
const onDemand: FunctionFacts = { ...reconciler, runShape: 'on-demand' };

function facts(overrides: Partial<StackFacts> = {}): StackFacts {
  return {
    functions: [reconciler, { logicalId: 'Events', memoryMb: 256, architecture: 'arm64', timeoutSeconds: 15, trigger: 'events' }],
    tables: ['resources', 'heartbeats', 'history'].map((role) => ({ logicalId: role, tableName: `prod-db-${role}`, billingMode: 'PAY_PER_REQUEST' as const })),
    alarms: 18,
    detailedAlarms: 0,
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

/** What the default stack synthesizes for the example (see test/infra/lib/control-plane.test.ts). */
function defaultFacts(): StackFacts {
  const capacity = { 'prod-db-resources': [6, 2], 'prod-db-heartbeats': [3, 3] } as Record<string, [number, number]>;
  return facts({
    functions: [onDemand, { logicalId: 'Events', memoryMb: 256, architecture: 'arm64', timeoutSeconds: 15, trigger: 'events' }],
    tables: ['resources', 'heartbeats', 'history'].map((role) => {
      const units = capacity[`prod-db-${role}`];
      return units
        ? { logicalId: role, tableName: `prod-db-${role}`, billingMode: 'PROVISIONED' as const, readCapacityUnits: units[0], writeCapacityUnits: units[1] }
        : { logicalId: role, tableName: `prod-db-${role}`, billingMode: 'PAY_PER_REQUEST' as const };
    }),
    alarms: 7,
    dashboards: 0,
    kmsKeys: 0,
  });
}

describe('estimateCost, on-demand runs', () => {
  it('prices the example cluster under $5 a month at the defaults', () => {
    // Act
    const estimate = estimateCost({ spec, facts: defaultFacts() });

    // Assess
    expect(estimate.totalUsd).toBeLessThan(5);
    expect(estimate.shape).toMatchObject({ name: 'on-demand', scheduledRunsPerMonth: 43_200, wokenRunsPerMonth: 200, runsPerMonth: 43_400, secondsPerRun: 2 });
  });

  it('bills 43,200 steady runs of 2 s and 200 woken runs of 10 s, each ticking once a second', () => {
    // Act
    const estimate = estimateCost({ spec, facts: defaultFacts() });

    // Assess
    expect(line(estimate, 'reconciler: compute (256 MB, arm64)')).toMatchObject({ quantity: (43_200 * 2 + 200 * 10) * 0.25 });
    expect(line(estimate, 'reconciler: requests')).toMatchObject({ quantity: 43_400 });
    expect(estimate.shape).toMatchObject({ ticksPerMonth: 43_200 * 2 + 200 * 10, standbyRuns: 0 });
    expect(line(estimate, 'schedule invocations')).toMatchObject({ quantity: 43_200 });
  });

  it('prices the provisioned tables by capacity-hours and shows what on demand would cost', () => {
    // Act
    const estimate = estimateCost({ spec, facts: defaultFacts() });

    // Assess
    expect(line(estimate, 'prod-db-heartbeats: write capacity')).toMatchObject({ quantity: 3 * 720 });
    expect(estimate.options.find((o) => o.name.startsWith('tableCapacity on-demand'))?.monthlyUsdWhenOn).toBeGreaterThan(5);
  });

  it('counts the on-demand load: the runs\' Scans and lease writes, verdicts once a run, the standby agent\'s owner reads', () => {
    // Act
    const onDemandTables = estimateCost({ spec, facts: { ...defaultFacts(), tables: facts().tables } });

    // Assess
    const ticks = 43_200 * 2 + 200 * 10;
    expect(line(onDemandTables, 'prod-db-resources: reconciler Scans')).toMatchObject({ quantity: 2 * (ticks + 43_400) });
    expect(line(onDemandTables, 'prod-db-resources: lease renewals')).toMatchObject({ quantity: ticks });
    expect(line(onDemandTables, 'prod-db-resources: lease acquisitions and releases')).toMatchObject({ quantity: 2 * 43_400 });
    expect(line(onDemandTables, 'prod-db-resources: verdicts')).toMatchObject({ quantity: 43_200 + 200 * 2 });
    expect(onDemandTables.lines.some((l) => /standby runs/.test(l.item))).toBe(false);
    // One standby node (node2, of both groups) reads node1's heartbeat, 0.5 RRU every 0.25 s.
    expect(line(onDemandTables, 'prod-db-heartbeats: standby agents\' owner reads')).toMatchObject({ quantity: 0.5 * 4 * 2_592_000 });
  });

  it('shows the detailed alarms and the topic key as options, off, with their price', () => {
    // Act
    const estimate = estimateCost({ spec, facts: defaultFacts() });

    // Assess
    expect(line(estimate, 'detailed alarms')).toMatchObject({ quantity: 0, monthlyUsd: 0, option: { on: false } });
    expect(line(estimate, 'detailed alarms').option?.monthlyUsdWhenOn).toBeCloseTo(1, 6);
    expect(line(estimate, 'alarm topic key')).toMatchObject({ monthlyUsd: 0, option: { on: false, monthlyUsdWhenOn: 1 } });
    expect(line(estimate, 'alarms')).toMatchObject({ quantity: 7 });
  });
});

describe('estimateCost, resident runs', () => {
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
    expect(line(estimate, 'prod-db-resources: reconciler Scans')).toMatchObject({ quantity: 2 * (2_592_000 + 43_200) });
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

  it('publishes no metric all month (transitions when there were some, lease handovers from a vanished holder, heartbeat ages for silent nodes); the total is the sum of the lines', () => {
    // Act
    const estimate = estimateCost({ spec, facts: facts() });

    // Assess
    expect(line(estimate, 'custom metrics published all month')).toMatchObject({ quantity: 0 });
    expect(line(estimate, 'custom metrics published on events only').monthlyUsd).toBe(0);
    expect(estimate.totalUsd).toBeCloseTo(estimate.lines.reduce((sum, l) => sum + l.monthlyUsd, 0), 9);
    expect(estimate.prices).toEqual({ region: 'us-east-1', takenOn: '2026-12-02' });
  });
});
