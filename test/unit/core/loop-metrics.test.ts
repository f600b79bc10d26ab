import { describe, expect, it } from 'vitest';
import { recordTick, type MetricDimension, type MetricsSink } from '../../../src/core/loop-metrics';
import { SimWorld } from '../../../src/sim/sim-world';
import { clusterSpec } from '../../fixtures/specs';

/* The figures a tick records, from a failover and a drift repair in the in-memory world. */

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
  it('counts a failover and how long it took per group, heartbeat age per node, and ticks', async () => {
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
    expect(points.some((p) => p.name === 'HeartbeatAgeSeconds' && p.dimension?.value === 'node1' && p.value > 3)).toBe(true);
    expect(points.filter((p) => p.name === 'ReconcileTicks').length).toBe(6);
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
