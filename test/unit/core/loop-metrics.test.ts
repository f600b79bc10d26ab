import { describe, expect, it } from 'vitest';
import { recordRun, recordTick, type MetricDimension, type MetricsSink } from '../../../src/core/loop-metrics';
import { SimWorld } from '../../../src/sim/sim-world';
import { clusterSpec } from '../../fixtures/specs';

/* The figures a tick and a run record, from a failover and a drift repair in the in-memory world; nothing from a steady one. */

function recorder() {
  const points: { name: string; value: number; dimension?: MetricDimension }[] = [];
  const sink: MetricsSink = {
    count: (name, value, dimension) => points.push({ name, value, dimension }),
    seconds: (name, value, dimension) => points.push({ name, value, dimension }),
  };
  return { sink, points };
}

async function recordedRun(world: SimWorld, seconds: number, sink: MetricsSink) {
  let before = new Map(world.state.statuses);
  await world.run(seconds, 100, (report) => {
    recordTick(sink, report, before, world.memory.baselines);
    before = new Map(report.statuses);
  });
}

describe('recordTick', () => {
  it('counts a failover and how long it took per group, and the heartbeat age of the silent node only', async () => {
    // Prepare
    const world = new SimWorld(clusterSpec());
    await world.run(3);
    const { sink, points } = recorder();

    // Act
    world.crash('node1');
    await recordedRun(world, 6, sink);

    // Assess
    expect(points.filter((p) => p.name === 'Failovers')).toEqual([{ name: 'Failovers', value: 1, dimension: { name: 'group', value: 'app' } }]);
    const took = points.find((p) => p.name === 'FailoverSeconds');
    expect(took?.dimension).toEqual({ name: 'group', value: 'app' });
    expect(took!.value).toBeGreaterThanOrEqual(0);
    const ages = points.filter((p) => p.name === 'HeartbeatAgeSeconds');
    expect(ages.some((p) => p.dimension?.value === 'node1' && p.value > 3)).toBe(true);
    expect(ages.every((p) => p.dimension?.value === 'node1' && p.value >= 3)).toBe(true);
    expect(points.filter((p) => p.name === 'ReconcileTicks')).toEqual([]);
  });

  it('records nothing for steady ticks, and a run\'s transitions only when it made some', async () => {
    // Prepare
    const world = new SimWorld(clusterSpec());
    await world.run(3);
    const { sink, points } = recorder();

    // Act
    await recordedRun(world, 5, sink);
    recordRun(sink, { transitions: 0 });
    const quiet = [...points];
    recordRun(sink, { transitions: 2 });

    // Assess
    expect(quiet).toEqual([]);
    expect(points).toEqual([{ name: 'Transitions', value: 2, dimension: undefined }]);
  });

  it('counts drift found and repaired', async () => {
    // Prepare
    const world = new SimWorld(clusterSpec());
    await world.run(3);
    const { sink, points } = recorder();

    // Act
    world.cloud.editRoute('rtb-0abc1234a', '10.1.0.10/32', 'eni-0fffffff');
    await recordedRun(world, world.spec.defaults.driftCheckIntervalSeconds + 1, sink);

    // Assess
    expect(points.filter((p) => p.name === 'DriftFound').map((p) => p.dimension?.value)).toEqual(['app']);
    expect(points.filter((p) => p.name === 'DriftRepaired').map((p) => p.dimension?.value)).toEqual(['app']);
  });
});
