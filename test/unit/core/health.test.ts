import { describe, expect, it } from 'vitest';
import { judgeNodes } from '../../../src/core/health';
import { SimWorld } from '../../../src/sim/sim-world';
import { clusterSpec } from '../../fixtures/specs';

/*
 * What the judgement must never be blinded or fooled by: a malformed item, a store that stops
 * answering, nodes going quiet together, a node that keeps restarting.
 */

async function settled(options: Parameters<typeof clusterSpec>[0] = {}) {
  const world = new SimWorld(clusterSpec(options));
  await world.run(3);
  for (const group of world.spec.groups) expect(world.ownerOf(group.id)).toBe('node1');
  return world;
}

const transitions = (world: SimWorld) => world.state.history.filter((h) => h.kind === 'transition').length;

describe('judgeNodes: one node’s data affects only that node', () => {
  it('counts a malformed item as a missed beat of its node alone, with a finding that names it', () => {
    // Prepare
    const spec = clusterSpec();
    const beat = (instanceId: string, seq: number) => ({ instanceId, seq, sentAt: 0, leaving: false, checks: [] });
    let judged = judgeNodes({ spec, heartbeats: { ok: true, value: [beat('i-00000000000000001', 1), beat('i-00000000000000002', 1)] }, baselines: {}, now: 0 });

    // Act: node2's item turns malformed; a non-member's is malformed too
    judged = judgeNodes({
      spec,
      heartbeats: { ok: true, value: [beat('i-00000000000000001', 2), beat('i-00000000000000002', 2)] },
      malformed: [
        { instanceId: 'i-00000000000000002', problem: 'checks[0]: expected an object, got null' },
        { instanceId: 'i-0ffffffffffffffff', problem: 'seq: not an integer' },
      ],
      baselines: judged.baselines,
      now: 1000,
    });

    // Assess
    expect(judged.health.get('node1')?.state).toBe('healthy');
    expect(judged.health.get('node2')?.state).not.toBe('healthy');
    expect(judged.findings).toEqual([expect.objectContaining({ code: 'EC2F-R008', node: 'node2' })]);
  });

  it('fails over in the usual time with a malformed item of another standby beside it', async () => {
    // Prepare: node3's item is malformed
    const world = await settled({ nodes: 3 });
    world.state.malformed.push({ instanceId: 'i-00000000000000003', problem: 'checks[0]: expected an object, got null' });
    await world.run(5);

    // Act
    world.crash('node1');
    await world.run(4.5);

    // Assess
    expect(world.ownerOf('app')).toBe('node2');
    expect(world.trafficOn('app', 'node2')).toBe(true);
  });
});

describe('judgement through a store brownout', () => {
  for (const seconds of [4, 8, 15]) {
    it(`moves nothing when the store is unreachable for ${seconds} s with a healthy owner, then or after`, async () => {
      // Prepare
      const world = await settled();
      const before = transitions(world);

      // Act: neither reads nor agents' writes get through; after it recovers, node2's agent
      // writes again at once and node1's only 2.5 s later (its backoff, within one missed-beat window)
      world.state.storeFailure = 'connect ETIMEDOUT';
      await world.run(seconds);
      world.crash('node1');
      world.state.storeFailure = undefined;
      await world.run(2.5);
      world.recover('node1');
      await world.run(15);

      // Assess
      expect(transitions(world)).toBe(before);
      expect(world.ownerOf('app')).toBe('node1');
    });
  }

  it('moves nothing when heartbeats are unreadable while agents keep writing, nor in the settling time after', async () => {
    // Prepare
    const world = await settled();
    const before = transitions(world);

    // Act
    world.state.heartbeatReadFailure = 'ProvisionedThroughputExceededException';
    await world.run(8);
    world.state.heartbeatReadFailure = undefined;
    await world.run(15);

    // Assess
    expect(transitions(world)).toBe(before);
  });

  it('still fails over a node that stalls alone while the others advance', async () => {
    // Prepare
    const world = await settled();

    // Act
    world.crash('node1');
    await world.run(4.5);

    // Assess
    expect(world.ownerOf('app')).toBe('node2');
  });
});

describe('dwell measures stability', () => {
  it('never switches back automatically to a preferred node whose agent restarts every 2 s', async () => {
    // Prepare: node1 failed, node2 owns the group
    const world = await settled({ switchback: 'automatic', dwellSeconds: 10 });
    world.crash('node1');
    await world.run(6);
    expect(world.ownerOf('app')).toBe('node2');

    // Act: node1 crash-loops for a minute
    for (let i = 0; i < 30; i += 1) {
      world.restart('node1');
      await world.run(1.5);
      world.crash('node1');
      await world.run(0.5);
    }

    // Assess
    expect(world.ownerOf('app')).toBe('node2');
  });

  it('switches back once the preferred node has been stable for the whole dwell', async () => {
    // Prepare
    const world = await settled({ switchback: 'automatic', dwellSeconds: 10 });
    world.crash('node1');
    await world.run(6);

    // Act
    world.restart('node1');
    await world.run(14);

    // Assess
    expect(world.ownerOf('app')).toBe('node1');
  });
});

describe('judgement across agent releases', () => {
  it('judges an agent of the earlier release (no incarnation) beside one of this release alike, and fails neither for it', () => {
    // Prepare: node1 runs this release (incarnation), node2 the earlier one (none)
    const spec = clusterSpec();
    const beats = (seq: number, incarnation1: string) => [
      { instanceId: 'i-00000000000000001', seq, sentAt: 0, leaving: false, checks: [], incarnation: incarnation1 },
      { instanceId: 'i-00000000000000002', seq, sentAt: 0, leaving: false, checks: [] },
    ];
    let judged = judgeNodes({ spec, heartbeats: { ok: true, value: beats(1, 'a') }, baselines: {}, now: 0 });

    // Act: both advance for a minute; node1's agent restarts once on the way
    for (let second = 1; second <= 60; second += 1) {
      judged = judgeNodes({ spec, heartbeats: { ok: true, value: beats(1 + second, second < 30 ? 'a' : 'b') }, baselines: judged.baselines, now: second * 1000 });
    }

    // Assess: both healthy; only node1's restart shows, as the start of its stability
    expect(judged.health.get('node1')).toMatchObject({ state: 'healthy', healthySince: 30_000 });
    expect(judged.health.get('node2')).toMatchObject({ state: 'healthy', healthySince: 1_000 });
  });
});

describe('what a new owner learns of the old one', () => {
  it('marks a failover away from a node whose heartbeat stalled as from a silent node', async () => {
    // Prepare
    const world = await settled();

    // Act
    world.crash('node1');
    await world.run(4.5);

    // Assess
    expect(world.state.statuses.get('app')?.lastTransition).toMatchObject({ from: 'node1', to: 'node2', reason: 'failover', fromSilent: true });
  });

  it('does not mark a failover away from a node that is still beating (a graceful leave)', async () => {
    // Prepare
    const world = await settled();

    // Act
    world.node('node1').leaving = true;
    await world.run(2);

    // Assess
    const transition = world.state.statuses.get('app')?.lastTransition;
    expect(transition).toMatchObject({ from: 'node1', to: 'node2', reason: 'failover' });
    expect(transition?.fromSilent).toBeUndefined();
  });
});

describe('time the reconciler did not look', () => {
  it('does not fail a node for silence that fell in a stall of the reconciler (stuck on a frozen store), when another node writes first after it', async () => {
    // Prepare
    const world = await settled();

    // Act: the store freezes for 4 s; the reconciler, stuck, runs no tick; node2 writes first after the thaw
    world.state.storeFailure = 'frozen';
    world.stallReconciler(4000);
    await world.run(3.9);
    world.state.storeFailure = undefined;
    world.node('node2').nextBeatAt = 0;
    world.node('node1').nextBeatAt = Number.MAX_SAFE_INTEGER;
    await world.run(0.3);
    const owner = world.ownerOf('app');
    world.node('node1').nextBeatAt = 0;
    await world.run(6);

    // Assess
    expect(owner).toBe('node1');
    expect(world.ownerOf('app')).toBe('node1');
    expect(transitions(world)).toBe(1);
  });
});
