import { describe, expect, it } from 'vitest';
import { judgeNodes } from '../../../src/core/health';
import { initialStatus, type CloudObservation, type GroupStatus } from '../../../src/core/model';
import { decideOwnership } from '../../../src/core/ownership';
import { planGroup } from '../../../src/core/plan';
import { SimWorld } from '../../../src/sim/sim-world';
import { clusterSpec } from '../../fixtures/specs';

/** A world whose groups have settled on node1. */
async function settled(options: Parameters<typeof clusterSpec>[0] = {}, extraRoutes?: Record<string, Record<string, string>>) {
  const world = new SimWorld(clusterSpec(options), { extraRoutes });
  await world.run(3);
  for (const group of world.spec.groups) expect(world.ownerOf(group.id)).toBe('node1');
  return world;
}

describe('decision engine: keeping and repairing', () => {
  it('keeps a healthy owner and changes nothing in EC2', async () => {
    // Prepare
    const world = await settled();
    const mutationsBefore = world.cloud.mutations.length;

    // Act
    await world.run(120);

    // Assess
    expect(world.ownerOf('app')).toBe('node1');
    expect(world.state.statuses.get('app')?.epoch).toBe(1);
    expect(world.cloud.mutations.length).toBe(mutationsBefore);
  });

  it('repairs the reference guide example: route tables A and B back to the active ENI, 10.1.0.20/32 untouched', async () => {
    // Prepare: A and B both hold 10.1.0.10/32 on the standby's ENI; B also routes 10.1.0.20/32 there
    const world = await settled({}, { 'rtb-0abc1234b': { '10.1.0.20/32': 'eni-89abcdef' } });
    const active = world.spec.resources[0]!.members[0]!.eni;
    world.cloud.editRoute('rtb-0abc1234a', '10.1.0.10/32', 'eni-89abcdef');
    world.cloud.editRoute('rtb-0abc1234b', '10.1.0.10/32', 'eni-89abcdef');

    // Act
    await world.run(world.spec.defaults.driftCheckIntervalSeconds + 1);

    // Assess
    expect(world.cloud.routeTarget('rtb-0abc1234a', '10.1.0.10/32')).toBe(active);
    expect(world.cloud.routeTarget('rtb-0abc1234b', '10.1.0.10/32')).toBe(active);
    expect(world.cloud.routeTarget('rtb-0abc1234b', '10.1.0.20/32')).toBe('eni-89abcdef');
    expect(world.cloud.routeTarget('rtb-0abc1234a', '10.0.0.0/16')).toBe('local');
    expect(world.ownerOf('app')).toBe('node1');
    expect(world.state.history.filter((h) => h.kind === 'repair').map((h) => h.message)).toEqual([
      `drift: rtb-0abc1234a 10.1.0.10/32 → ${active}`,
      `drift: rtb-0abc1234b 10.1.0.10/32 → ${active}`,
    ]);
  });

  it('repairs an Elastic IP moved away from the owner (local recovery, no failover)', async () => {
    // Prepare
    const world = await settled();
    world.cloud.addresses.set('eipalloc-0abc1234', { networkInterfaceId: 'eni-02200000' });

    // Act
    await world.run(world.spec.defaults.driftCheckIntervalSeconds + 1);

    // Assess
    expect(world.cloud.addresses.get('eipalloc-0abc1234')?.networkInterfaceId).toBe('eni-02100000');
    expect(world.state.statuses.get('app')?.epoch).toBe(1);
  });

  it('repairs an Elastic IP moved away right after a failover once EC2 has shown the failover’s association, without waiting out the settling interval', async () => {
    // Prepare: drift checked every second; node1 crashes and the group moves to node2
    const base = clusterSpec();
    const world = new SimWorld({ ...base, defaults: { ...base.defaults, driftCheckIntervalSeconds: 1 } });
    await world.run(3);
    world.crash('node1');
    await world.run(6);
    expect(world.cloud.addresses.get('eipalloc-0abc1234')?.networkInterfaceId).toBe('eni-02200000');

    // Act: moved back to node1's ENI by hand, a few seconds after the failover's association
    world.cloud.addresses.set('eipalloc-0abc1234', { networkInterfaceId: 'eni-02100000' });
    await world.run(3);

    // Assess
    expect(world.cloud.addresses.get('eipalloc-0abc1234')?.networkInterfaceId).toBe('eni-02200000');
  });

  it('repairs a blackhole route to the owner ENI', () => {
    // Prepare
    const spec = clusterSpec();
    const status: GroupStatus = { ...initialStatus('app'), owner: 'node1', epoch: 1, version: 1 };
    const cloud: CloudObservation = {
      at: 0,
      routeTables: {
        'vpc-0abc1234': {
          ok: true,
          value: [{ routeTableId: 'rtb-1', vpcId: 'vpc-0abc1234', tags: {}, routes: [{ destination: '10.1.0.10/32', networkInterfaceId: 'eni-01100000', state: 'blackhole' }] }],
        },
      },
      addresses: { ok: true, value: { 'eipalloc-0abc1234': { allocationId: 'eipalloc-0abc1234', exists: true, networkInterfaceId: 'eni-02100000' } } },
      instances: { ok: true, value: {} },
    };

    // Act
    const plan = planGroup(spec, spec.groups[0]!, status, cloud);

    // Assess
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'replace-route', routeTableId: 'rtb-1', networkInterfaceId: 'eni-01100000', reason: 'drift' })]);
  });

  it('keeps only the listed route tables, and reports a listed table without the route', () => {
    // Prepare
    const spec = clusterSpec({ routeTables: ['rtb-0000000a', 'rtb-0000000c'] });
    const status: GroupStatus = { ...initialStatus('app'), owner: 'node1', epoch: 1, version: 1 };
    const table = (id: string) => ({ routeTableId: id, vpcId: 'vpc-0abc1234', tags: {}, routes: [{ destination: '10.1.0.10/32', networkInterfaceId: 'eni-0bad0000', state: 'active' as const }] });
    const cloud: CloudObservation = {
      at: 0,
      routeTables: { 'vpc-0abc1234': { ok: true, value: [table('rtb-0000000a'), table('rtb-0000000b')] } },
      addresses: { ok: true, value: { 'eipalloc-0abc1234': { allocationId: 'eipalloc-0abc1234', exists: true, networkInterfaceId: 'eni-02100000' } } },
      instances: { ok: true, value: {} },
    };

    // Act
    const plan = planGroup(spec, spec.groups[0]!, status, cloud);

    // Assess
    expect(plan.actions.map((a) => (a.kind === 'replace-route' ? a.routeTableId : a.kind))).toEqual(['rtb-0000000a']);
    expect(plan.findings).toEqual([expect.objectContaining({ code: 'EC2F-R006', message: expect.stringContaining('rtb-0000000c') })]);
  });
});

describe('decision engine: failover', () => {
  it('fails over when heartbeats stop, within missedBeats × interval plus one tick, moving every route and the EIP', async () => {
    // Prepare
    const world = await settled();
    const crashAt = world.clock.now();

    // Act
    world.crash('node1');
    await world.run(6);

    // Assess
    const transition = world.reports.flatMap((r) => r.transitions).find((t) => t.reason === 'failover');
    expect(transition?.to).toBe('node2');
    expect(transition!.at - crashAt).toBeLessThanOrEqual((3 * 1 + 1) * 1000);
    expect(world.trafficOn('app', 'node2')).toBe(true);
    expect(world.state.statuses.get('app')).toMatchObject({ owner: 'node2', epoch: 2, phase: 'steady' });
  });

  it('cascades by priority over three nodes', async () => {
    // Prepare
    const world = await settled({ nodes: 3 });

    // Act
    world.crash('node1');
    await world.run(6);
    const afterFirst = world.ownerOf('app');
    world.crash('node2');
    await world.run(6);

    // Assess
    expect(afterFirst).toBe('node2');
    expect(world.ownerOf('app')).toBe('node3');
    expect(world.trafficOn('app', 'node3')).toBe(true);
    const failovers = world.reports.flatMap((r) => r.transitions).filter((t) => t.reason === 'failover');
    expect(failovers.map((t) => [t.from, t.to, t.epoch])).toEqual([
      ['node1', 'node2', 2],
      ['node2', 'node3', 3],
    ]);
  });

  it('moves a group as one: the VIP and the EIP are never split', async () => {
    // Prepare
    const world = await settled();

    // Act
    world.crash('node1');
    await world.run(6);

    // Assess
    const statuses = [...world.state.statuses.values()];
    expect(statuses).toHaveLength(1);
    expect(world.trafficOn('app', 'node2')).toBe(true);
  });

  it('fails over when local recovery fails terminally maxRetry times (the owner ENI was deleted)', async () => {
    // Prepare
    const world = await settled({ maxRetry: 3 });
    world.cloud.deleteEni('eni-01100000');

    // Act
    await world.run(world.spec.defaults.driftCheckIntervalSeconds + 6);

    // Assess
    const status = world.state.statuses.get('app')!;
    expect(status.owner).toBe('node2');
    expect(status.lastTransition?.reason).toBe('repair-failed');
    expect(status.excluded).toEqual(['node1']);
    expect(world.trafficOn('app', 'node2')).toBe(true);
    const failures = world.state.history.filter((h) => h.kind === 'repair' && h.message.includes('failed'));
    expect(failures.length).toBeGreaterThanOrEqual(3);
  });

  it('changes nothing and reports when no member is healthy', async () => {
    // Prepare: the standby died long ago
    const world = await settled();
    world.crash('node2');
    await world.run(10);

    // Act
    world.crash('node1');
    await world.run(10);

    // Assess
    expect(world.ownerOf('app')).toBe('node1');
    expect(world.trafficOn('app', 'node1')).toBe(true);
    expect(world.reports.at(-1)!.findings).toContainEqual(expect.objectContaining({ code: 'EC2F-R001', severity: 'error' }));
  });

  it('changes nothing and reports the store or the network when every heartbeat stalls together', async () => {
    // Prepare
    const world = await settled();

    // Act
    world.crash('node1');
    world.crash('node2');
    await world.run(10);

    // Assess
    expect(world.ownerOf('app')).toBe('node1');
    expect(world.trafficOn('app', 'node1')).toBe(true);
    expect(world.reports.at(-1)!.health.get('node1')?.state).toBe('unknown');
    expect(world.reports.at(-1)!.findings).toContainEqual(expect.objectContaining({ code: 'EC2F-R012', severity: 'error' }));
  });

  it('fails over at once on an instance stop seen in EC2', async () => {
    // Prepare
    const world = await settled();
    world.cloud.instances.set('i-00000000000000001', 'stopping');
    world.memory.instanceEvents['i-00000000000000001'] = { state: 'stopping', at: world.clock.now() };

    // Act
    await world.run(1);

    // Assess
    expect(world.ownerOf('app')).toBe('node2');
  });

  it('fails over when the owner reports a required check failing or is leaving', async () => {
    // Prepare
    const world = await settled({ separateGroups: true });

    // Act
    world.node('node1').checks = [{ name: 'postgres', ok: false, required: true, detail: 'connection refused' }];
    await world.run(2);

    // Assess
    expect(world.ownerOf('vip')).toBe('node2');
    expect(world.state.statuses.get('vip')?.lastTransition?.detail).toContain('postgres (connection refused)');
  });

  it('with fencing stop, stops the failed node before traffic moves, and holds traffic while the stop is unconfirmed', async () => {
    // Prepare
    const world = await settled({ fencing: 'stop' });
    world.cloud.unknownRate.set('stop-instance', 1);

    // Act: the stop is throttled, so traffic must wait
    world.crash('node1');
    await world.run(6);
    const heldBack = world.trafficOn('app', 'node1');
    world.cloud.unknownRate.set('stop-instance', 0);
    await world.run(2);

    // Assess
    expect(world.ownerOf('app')).toBe('node2');
    expect(heldBack).toBe(true);
    expect(world.cloud.instances.get('i-00000000000000001')).toBe('stopped');
    expect(world.trafficOn('app', 'node2')).toBe(true);
    const order = world.cloud.mutations.filter((m) => m.operation !== 'manual').map((m) => m.operation);
    expect(order.indexOf('stop-instance')).toBeLessThan(order.indexOf('replace-route'));
  });

  it('completes an interrupted failover on the next tick (phase failing-over found in the store)', async () => {
    // Prepare: a reconciler wrote the new owner, then died before touching EC2
    const world = await settled();
    const current = world.state.statuses.get('app')!;
    world.state.statuses.set('app', { ...current, owner: 'node2', epoch: 2, version: current.version + 1, phase: 'failing-over' });

    // Act
    await world.run(2);

    // Assess
    expect(world.trafficOn('app', 'node2')).toBe(true);
    expect(world.state.statuses.get('app')).toMatchObject({ owner: 'node2', epoch: 2, phase: 'steady' });
  });
});

describe('decision engine: switchback', () => {
  it('intelligent: stays on the standby when the primary returns', async () => {
    // Prepare
    const world = await settled({ switchback: 'intelligent' });
    world.crash('node1');
    await world.run(6);

    // Act
    world.recover('node1');
    await world.run(300);

    // Assess
    expect(world.ownerOf('app')).toBe('node2');
  });

  it('automatic: returns to the primary only after it has been healthy for the dwell time', async () => {
    // Prepare
    const world = await settled({ switchback: 'automatic', dwellSeconds: 30 });
    world.crash('node1');
    await world.run(6);

    // Act
    world.recover('node1');
    const recoveredAt = world.clock.now();
    await world.run(25);
    const beforeDwell = world.ownerOf('app');
    await world.run(10);

    // Assess
    expect(beforeDwell).toBe('node2');
    expect(world.ownerOf('app')).toBe('node1');
    const switchback = world.state.statuses.get('app')!.lastTransition!;
    expect(switchback.reason).toBe('switchback');
    expect(switchback.at - recoveredAt).toBeGreaterThanOrEqual(30_000);
    expect(world.trafficOn('app', 'node1')).toBe(true);
  });

  it('automatic: a flapping primary never pulls traffic back', async () => {
    // Prepare
    const world = await settled({ switchback: 'automatic', dwellSeconds: 30 });
    world.crash('node1');
    await world.run(6);

    // Act: node1 comes back for 20 s and dies again, five times
    for (let i = 0; i < 5; i++) {
      world.recover('node1');
      await world.run(20);
      world.crash('node1');
      await world.run(6);
    }

    // Assess
    expect(world.ownerOf('app')).toBe('node2');
    expect(world.state.commits.filter((c) => c.lastTransition?.reason === 'switchback')).toHaveLength(0);
  });
});

describe('decision engine: operator requests and maintenance', () => {
  it('carries out a switchover to a healthy member', async () => {
    // Prepare
    const world = await settled();

    // Act
    world.state.request('app', { kind: 'switchover', to: 'node2', id: 'req-1', requestedAt: world.clock.now() });
    await world.run(2);

    // Assess
    expect(world.state.statuses.get('app')).toMatchObject({ owner: 'node2', epoch: 2, request: undefined });
    expect(world.trafficOn('app', 'node2')).toBe(true);
  });

  it('refuses a switchover to a failed node and records why', async () => {
    // Prepare
    const world = await settled({ nodes: 3 });
    world.crash('node3');
    await world.run(5);

    // Act
    world.state.request('app', { kind: 'switchover', to: 'node3', id: 'req-2', requestedAt: world.clock.now() });
    await world.run(2);

    // Assess
    expect(world.ownerOf('app')).toBe('node1');
    expect(world.state.history.at(-1)?.message).toMatch(/switchover to node3 refused: "node3" is failed/);
  });

  it('maintenance observes only: no repair, no failover, until it is left', async () => {
    // Prepare
    const world = await settled();
    world.state.request('app', { kind: 'maintenance', enabled: true, id: 'm-1', requestedAt: world.clock.now() });
    await world.run(1);
    world.cloud.editRoute('rtb-0abc1234a', '10.1.0.10/32', 'eni-0f0f0f0f');

    // Act
    world.crash('node1');
    await world.run(20);
    const duringMaintenance = { owner: world.ownerOf('app'), target: world.cloud.routeTarget('rtb-0abc1234a', '10.1.0.10/32') };
    world.state.request('app', { kind: 'maintenance', enabled: false, id: 'm-2', requestedAt: world.clock.now() });
    await world.run(2);

    // Assess
    expect(duringMaintenance).toEqual({ owner: 'node1', target: 'eni-0f0f0f0f' });
    expect(world.ownerOf('app')).toBe('node2');
    expect(world.trafficOn('app', 'node2')).toBe(true);
  });
});

describe('decision engine: unknowns and clocks', () => {
  it('never fails over because EC2 answers unknown (throttles, timeouts, 5xx) on every call', async () => {
    // Prepare
    const world = await settled();
    for (const op of ['describe-route-tables', 'describe-addresses', 'describe-instances', 'replace-route', 'associate-address'] as const)
      world.cloud.unknownRate.set(op, 1);
    world.cloud.editRoute('rtb-0abc1234a', '10.1.0.10/32', 'eni-0f0f0f0f');

    // Act
    await world.run(120);

    // Assess
    expect(world.ownerOf('app')).toBe('node1');
    expect(world.state.statuses.get('app')?.epoch).toBe(1);
  });

  it('never fails over while heartbeats cannot be read (DynamoDB unreachable)', async () => {
    // Prepare
    const world = await settled();
    world.state.heartbeatReadFailure = 'ProvisionedThroughputExceededException';

    // Act
    world.crash('node1');
    await world.run(30);

    // Assess
    expect(world.ownerOf('app')).toBe('node1');
  });

  it('ignores the timestamps agents write: a skewed clock neither fakes life nor death', () => {
    // Prepare
    const spec = clusterSpec();
    const beat = (seq: number, sentAt: number) => ({ instanceId: 'i-00000000000000001', seq, sentAt, leaving: false, checks: [] });
    let judged = judgeNodes({ spec, heartbeats: { ok: true, value: [beat(1, 0)] }, baselines: {}, now: 0 });
    judged = judgeNodes({ spec, heartbeats: { ok: true, value: [beat(2, -3_600_000)] }, baselines: judged.baselines, now: 1000 });

    // Act: an hour-old timestamp with an advancing sequence is alive; a future timestamp with a stalled one is dead
    const alive = judged.health.get('node1')!.state;
    const stalled = judgeNodes({ spec, heartbeats: { ok: true, value: [beat(2, 10 ** 13)] }, baselines: judged.baselines, now: 5000 });

    // Assess
    expect(alive).toBe('healthy');
    expect(stalled.health.get('node1')!.state).toBe('failed');
  });

  it('does not judge a node on first sight: an old heartbeat item is not proof of life', () => {
    // Act
    const judged = judgeNodes({
      spec: clusterSpec(),
      heartbeats: { ok: true, value: [{ instanceId: 'i-00000000000000001', seq: 99, sentAt: 0, leaving: false, checks: [] }] },
      baselines: {},
      now: 0,
    });

    // Assess
    expect(judged.health.get('node1')!.state).toBe('unknown');
    expect(judged.health.get('node2')!.state).toBe('unknown');
  });

  it('only ever raises epochs, one per owner change', async () => {
    // Prepare
    const world = await settled({ nodes: 3, switchback: 'automatic', dwellSeconds: 5 });

    // Act
    world.crash('node1');
    await world.run(6);
    world.recover('node1');
    await world.run(10);
    world.state.request('app', { kind: 'switchover', to: 'node3', id: 'r', requestedAt: world.clock.now() });
    await world.run(2);

    // Assess
    const epochs = world.state.commits.map((c) => c.epoch);
    for (let i = 1; i < epochs.length; i++) expect(epochs[i]!).toBeGreaterThanOrEqual(epochs[i - 1]!);
    const owners = world.state.commits.filter((c, i, all) => i === 0 || c.epoch !== all[i - 1]!.epoch);
    expect(owners.map((c) => c.epoch)).toEqual(owners.map((_, i) => i + 1));
  });

  it('stands down when its lease token is stale: nothing is written, nothing in EC2 moves', async () => {
    // Prepare
    const world = await settled();
    world.state.leaseToken = 2;
    const mutations = world.cloud.mutations.length;

    // Act
    world.crash('node1');
    await world.run(10);

    // Assess
    expect(world.ownerOf('app')).toBe('node1');
    expect(world.cloud.mutations.length).toBe(mutations);
    expect(world.reports.at(-1)!.conflicts).toEqual(['app']);
  });

  it('decides from status alone: an unknown owner keeps ownership', () => {
    // Prepare
    const spec = clusterSpec();
    const status: GroupStatus = { ...initialStatus('app'), owner: 'node1', epoch: 4, version: 9 };

    // Act
    const decision = decideOwnership({
      group: spec.groups[0]!,
      status,
      health: new Map([
        ['node1', { node: 'node1', state: 'unknown', reason: 'heartbeats unreadable' }],
        ['node2', { node: 'node2', state: 'healthy', reason: 'ok', healthySince: 0 }],
      ]),
      tunables: spec.defaults.tunables,
      now: 100_000,
    });

    // Assess
    expect(decision.next).toBeUndefined();
  });
});

describe('decision engine: the first owner', () => {
  it('waits for a better-priority member still unjudged rather than taking the first node seen', () => {
    // Prepare
    const spec = clusterSpec();
    const decide = (node1: 'unknown' | 'healthy' | 'failed') =>
      decideOwnership({
        group: spec.groups[0]!,
        status: initialStatus('app'),
        health: new Map([
          ['node1', { node: 'node1', state: node1, reason: '' }],
          ['node2', { node: 'node2', state: 'healthy', reason: '', healthySince: 0 }],
        ]),
        tunables: spec.defaults.tunables,
        now: 0,
      });

    // Act + Assess
    expect(decide('unknown').next).toBeUndefined();
    expect(decide('healthy').next?.owner).toBe('node1');
    expect(decide('failed').next?.owner).toBe('node2');
  });
});
