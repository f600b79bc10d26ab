import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GroupStatus } from '../../../src/core/model';
import type { StatePort } from '../../../src/core/ports';
import { newMemory, reconcileOnce } from '../../../src/core/reconcile';
import type { SimOperation } from '../../../src/sim/sim-cloud';
import { SimWorld } from '../../../src/sim/sim-world';
import { clusterSpec } from '../../fixtures/specs';

/*
 * Property-based fault injection on the in-memory world. Each run draws a scenario of node
 * crashes and recoveries, heartbeat loss, EC2 unknowns, hand edits, ENI deletion, operator
 * switchovers and a second reconciler acting on stale reads, then checks the invariants.
 * Reproduce a failure with EC2F_PROPERTY_SEED=<seed printed by fast-check>.
 */

const RUNS = Number(process.env.EC2F_PROPERTY_RUNS ?? 1000);
const SEED = process.env.EC2F_PROPERTY_SEED === undefined ? undefined : Number(process.env.EC2F_PROPERTY_SEED);
const STEP_MS = 250;
const PROTECTED_DESTINATION = '10.1.0.10/32';
const PROTECTED_ALLOCATION = 'eipalloc-0abc1234';
const UNRELATED = { table: 'rtb-0abc1234b', destination: '10.1.0.20/32', eni: 'eni-0ccc3333' };

const faultOps: SimOperation[] = ['describe-route-tables', 'describe-addresses', 'describe-instances', 'replace-route', 'associate-address', 'stop-instance'];
const node = fc.integer({ min: 1, max: 3 }).map((n) => `node${n}`);
const anyEni = fc.constantFrom('eni-01100000', 'eni-01200000', 'eni-01300000', 'eni-0f0f0f0f');

const faultStep = fc.oneof(
  fc.record({ kind: fc.constant('api-fault' as const), op: fc.constantFrom(...faultOps), rate: fc.constantFrom(0, 0.3, 1) }),
  fc.record({ kind: fc.constant('heartbeat-read' as const), failing: fc.boolean() }),
  fc.record({ kind: fc.constant('edit-route' as const), table: fc.constantFrom('rtb-0abc1234a', 'rtb-0abc1234b'), eni: anyEni }),
  fc.record({ kind: fc.constant('move-eip' as const), eni: fc.constantFrom('eni-02100000', 'eni-02200000', 'eni-02300000') }),
  fc.record({ kind: fc.constant('advance' as const), seconds: fc.integer({ min: 1, max: 12 }) }),
);

const anyStep = fc.oneof(
  faultStep,
  fc.record({ kind: fc.constant('crash' as const), node }),
  fc.record({ kind: fc.constant('recover' as const), node }),
  fc.record({ kind: fc.constant('delete-victim-eni' as const) }),
  fc.record({ kind: fc.constant('stale-reconciler' as const), lag: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant('switchover' as const), node }),
  fc.record({ kind: fc.constant('advance' as const), seconds: fc.integer({ min: 1, max: 12 }) }),
);

type Step = typeof anyStep extends fc.Arbitrary<infer S> ? S : never;

const scenario = (steps: fc.Arbitrary<Step>) =>
  fc.record({
    nodes: fc.constantFrom(2, 3),
    switchback: fc.constantFrom('intelligent' as const, 'automatic' as const),
    fencing: fc.constantFrom('none' as const, 'stop' as const),
    separateGroups: fc.boolean(),
    victim: node,
    randomSeed: fc.integer(),
    steps: fc.array(steps, { maxLength: 24 }),
  });

type Scenario = typeof scenario extends (s: never) => fc.Arbitrary<infer S> ? S : never;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function play(s: Scenario) {
  const spec = clusterSpec({ nodes: s.nodes, switchback: s.switchback, fencing: s.fencing, separateGroups: s.separateGroups, dwellSeconds: 5 });
  const world = new SimWorld(spec, { random: mulberry32(s.randomSeed), extraRoutes: { [UNRELATED.table]: { [UNRELATED.destination]: UNRELATED.eni } } });
  const snapshots: Map<string, GroupStatus>[] = [];
  const nodeIds = spec.nodes.map((n) => n.id);
  await world.run(3, STEP_MS);

  for (const step of s.steps) {
    snapshots.push(new Map(world.state.statuses));
    switch (step.kind) {
      case 'crash':
      case 'recover':
        if (nodeIds.includes(step.node)) step.kind === 'crash' ? world.crash(step.node) : world.recover(step.node);
        break;
      case 'api-fault':
        world.cloud.unknownRate.set(step.op, step.rate);
        break;
      case 'heartbeat-read':
        world.state.heartbeatReadFailure = step.failing ? 'RequestTimeout' : undefined;
        break;
      case 'edit-route':
        world.cloud.editRoute(step.table, PROTECTED_DESTINATION, step.eni);
        break;
      case 'move-eip':
        world.cloud.addresses.set(PROTECTED_ALLOCATION, { networkInterfaceId: step.eni });
        break;
      case 'delete-victim-eni':
        for (const r of spec.resources) {
          const member = r.members.find((m) => m.node === s.victim);
          if (member) world.cloud.deleteEni(member.eni);
        }
        break;
      case 'switchover':
        for (const g of spec.groups) {
          if (world.state.statuses.has(g.id)) world.state.request(g.id, { kind: 'switchover', to: step.node, id: 'prop', requestedAt: world.clock.now() });
        }
        break;
      case 'stale-reconciler': {
        // A second reconciler whose read is `lag` steps old, sharing the lease (an overlap the lease should prevent).
        const stale = snapshots[Math.max(0, snapshots.length - step.lag)]!;
        const staleState: StatePort = {
          read: async () => ({ spec, statuses: new Map(stale) }),
          commitStatus: (g, next, fence) => world.state.commitStatus(g, next, fence),
          appendHistory: (entries) => world.state.appendHistory(entries),
        };
        const memory = { ...newMemory(), baselines: { ...world.memory.baselines } };
        await reconcileOnce({ state: staleState, heartbeats: world.state, cloud: world.cloud, clock: world.clock.now }, memory, { fence: world.fence, forceObserve: true });
        break;
      }
      case 'advance':
        await world.run(step.seconds, STEP_MS);
        break;
    }
  }
  return world;
}

function checkSafety(world: SimWorld): void {
  // Epochs per group never go back; each epoch has exactly one owner; a new owner means epoch + 1.
  const last = new Map<string, GroupStatus>();
  const ownerOfEpoch = new Map<string, string | null>();
  for (const commit of world.state.commits) {
    const previous = last.get(commit.group);
    if (previous) {
      expect(commit.epoch).toBeGreaterThanOrEqual(previous.epoch);
      if (commit.owner !== previous.owner) expect(commit.epoch).toBe(previous.epoch + 1);
    }
    const key = `${commit.group}#${commit.epoch}`;
    if (ownerOfEpoch.has(key)) expect(ownerOfEpoch.get(key)).toBe(commit.owner);
    ownerOfEpoch.set(key, commit.owner);
    last.set(commit.group, commit);
  }
  // Only protected destinations and allocations are ever changed by us.
  for (const m of world.cloud.mutations) {
    if (m.operation === 'replace-route') expect(m.target.endsWith(`:${PROTECTED_DESTINATION}`)).toBe(true);
    if (m.operation === 'associate-address') expect(m.target).toBe(PROTECTED_ALLOCATION);
  }
  expect(world.cloud.routeTarget(UNRELATED.table, UNRELATED.destination)).toBe(UNRELATED.eni);
}

describe('decision engine properties', () => {
  it(`keeps its invariants over ${RUNS} random fault scenarios and converges once faults stop`, async () => {
    let played = 0;
    await fc.assert(
      fc.asyncProperty(scenario(anyStep), async (s) => {
        // Act: the faults, then a quiet period with every node back and every fault cleared
        const world = await play(s);
        checkSafety(world);
        for (const op of faultOps) world.cloud.unknownRate.set(op, 0);
        world.state.heartbeatReadFailure = undefined;
        for (const n of world.spec.nodes) {
          world.cloud.instances.set(n.instanceId, 'running');
          world.recover(n.id);
        }
        await world.run(60, STEP_MS);
        played += 1;

        // Assess
        checkSafety(world);
        for (const group of world.spec.groups) {
          const status = world.state.statuses.get(group.id)!;
          expect(status.owner).not.toBeNull();
          expect(status.phase).toBe('steady');
          expect(world.trafficOn(group.id, status.owner!)).toBe(true);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(played).toBe(RUNS);
  }, 300_000);

  it(`never fails over because of unknowns alone (${Math.ceil(RUNS / 4)} scenarios)`, async () => {
    await fc.assert(
      fc.asyncProperty(scenario(faultStep), async (s) => {
        // Act
        const world = await play(s);

        // Assess: owners chosen at start, never changed
        for (const status of world.state.statuses.values()) {
          expect(status.owner).toBe('node1');
          expect(status.epoch).toBe(1);
        }
        checkSafety(world);
      }),
      { numRuns: Math.ceil(RUNS / 4), seed: SEED, endOnFailure: true },
    );
  }, 300_000);
});
