import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/core/logger';
import { initialStatus, type CloudObservation, type GroupStatus, type NodeHealth } from '../../../src/core/model';
import { fenceThenMove, planAndProve } from '../../../src/core/reconcile-act';
import { decideAndCommit } from '../../../src/core/reconcile-decide';
import { commitProgress } from '../../../src/core/reconcile-record';
import { StatusLedger } from '../../../src/core/status-ledger';
import { SimCloud } from '../../../src/sim/sim-cloud';
import { SimState } from '../../../src/sim/sim-state';
import { SimWorld } from '../../../src/sim/sim-world';
import { clusterSpec } from '../../fixtures/specs';

/*
 * Each phase of a reconcile on its own, against the in-memory state and EC2: what it commits,
 * what it refuses, and in which order it touches EC2.
 */

const NOW = Date.UTC(2026, 0, 1);
const healthy = (node: string): NodeHealth => ({ node, state: 'healthy', reason: 'heartbeat advancing', healthySince: NOW - 10_000 });
const failed = (node: string): NodeHealth => ({ node, state: 'failed', reason: 'heartbeat stalled' });

function ownedBy(owner: string, extra: Partial<GroupStatus> = {}): GroupStatus {
  return { ...initialStatus('app'), owner, epoch: 1, version: 1, phase: 'steady', ...extra };
}

function setup(status: GroupStatus, options: Parameters<typeof clusterSpec>[0] = {}) {
  const spec = clusterSpec(options);
  const state = new SimState(spec);
  state.statuses.set('app', status);
  const ledger = new StatusLedger(new Map([['app', status]]), state, { holder: 'me', token: state.leaseToken }, silentLogger);
  return { spec, state, ledger };
}

function observation(routeTarget: string, eipTarget: string, instances: Record<string, 'running' | 'stopped'> = {}): CloudObservation {
  return {
    at: NOW,
    routeTables: { 'vpc-0abc1234': { ok: true, value: [{ routeTableId: 'rtb-1', vpcId: 'vpc-0abc1234', tags: {}, routes: [{ destination: '10.1.0.10/32', networkInterfaceId: routeTarget, state: 'active' }] }] } },
    addresses: { ok: true, value: { 'eipalloc-0abc1234': { allocationId: 'eipalloc-0abc1234', exists: true, networkInterfaceId: eipTarget } } },
    instances: { ok: true, value: instances },
  };
}

describe('decideAndCommit', () => {
  it('commits a failover with a new epoch when the owner failed, its transition entry in the same write', async () => {
    // Prepare
    const { spec, state, ledger } = setup(ownedBy('node1'));

    // Act
    const decided = await decideAndCommit(spec, new Map([['node1', failed('node1')], ['node2', healthy('node2')]]), new Map(), ledger, NOW, silentLogger);

    // Assess
    expect(state.statuses.get('app')).toMatchObject({ owner: 'node2', epoch: 2, version: 2, phase: 'failing-over' });
    expect(decided.transitions.map((t) => [t.from, t.to, t.reason])).toEqual([['node1', 'node2', 'failover']]);
    expect(state.history.map((h) => [h.kind, h.epoch])).toEqual([['transition', 2]]);
    expect(decided.history).toEqual([]);
    expect(ledger.wroteThisTick('app')).toBe(true);
  });

  it('leaves a group whose write lost alone, and records nothing for it', async () => {
    // Prepare: someone else wrote version 2 after our read
    const { spec, state, ledger } = setup(ownedBy('node1'));
    state.statuses.set('app', ownedBy('node1', { version: 2 }));

    // Act
    const decided = await decideAndCommit(spec, new Map([['node1', failed('node1')], ['node2', healthy('node2')]]), new Map(), ledger, NOW, silentLogger);

    // Assess
    expect(state.statuses.get('app')).toMatchObject({ owner: 'node1', version: 2 });
    expect(decided.transitions).toEqual([]);
    expect(ledger.conflicts).toEqual(['app']);
    expect(ledger.usable('app')).toBe(false);
  });

  it('is fenced when the lease moved on: nothing is written', async () => {
    // Prepare
    const { spec, state, ledger } = setup(ownedBy('node1'));
    state.leaseToken += 1;

    // Act
    await decideAndCommit(spec, new Map([['node1', failed('node1')], ['node2', healthy('node2')]]), new Map(), ledger, NOW, silentLogger);

    // Assess
    expect(ledger.fenced).toBe(true);
    expect(state.statuses.get('app')).toMatchObject({ owner: 'node1', epoch: 1 });
  });
});

describe('planAndProve', () => {
  it('proves a status it did not write this tick current (version + 1) before planning actions on it', async () => {
    // Prepare: drift on a steady group
    const { spec, state, ledger } = setup(ownedBy('node1'));

    // Act
    const planned = await planAndProve(spec, observation('eni-02100000', 'eni-02200000'), ledger);

    // Assess
    expect(state.statuses.get('app')?.version).toBe(2);
    expect(planned.plans.get('app')?.actions.map((a) => a.kind)).toEqual(['replace-route', 'associate-address']);
  });

  it('plans nothing for a group whose status changed since it was read', async () => {
    // Prepare
    const { spec, state, ledger } = setup(ownedBy('node1'));
    state.statuses.set('app', ownedBy('node2', { epoch: 2, version: 2 }));

    // Act
    const planned = await planAndProve(spec, observation('eni-02100000', 'eni-02200000'), ledger);

    // Assess
    expect(planned.plans.has('app')).toBe(false);
    expect(state.statuses.get('app')).toMatchObject({ owner: 'node2', version: 2 });
  });

  it('needs no proof for a converged group', async () => {
    // Prepare
    const { spec, state, ledger } = setup(ownedBy('node1'));

    // Act
    const planned = await planAndProve(spec, observation('eni-01100000', 'eni-02100000'), ledger);

    // Assess
    expect(state.statuses.get('app')?.version).toBe(1);
    expect(planned.plans.get('app')).toMatchObject({ actions: [], converged: true });
    expect(planned.unsettled).toEqual([]);
  });
});

describe('fenceThenMove', () => {
  it('moves no traffic of a group whose failed owner could not be stopped', async () => {
    // Prepare: node1 failed, fencing on; its instance is unknown to EC2's stop (terminal refusal)
    const { spec, ledger } = setup(ownedBy('node2', { epoch: 2, phase: 'failing-over', fenceNode: 'node1', lastTransition: { at: NOW, from: 'node1', to: 'node2', reason: 'failover', epoch: 2, detail: '' } }), { fencing: 'stop' });
    const cloud = new SimCloud(() => NOW);
    cloud.addTable('rtb-1', 'vpc-0abc1234', { '10.1.0.10/32': 'eni-01100000' });
    cloud.enis.add('eni-01100000').add('eni-01200000');
    cloud.unknownRate.set('stop-instance', 1);
    cloud.instances.set('i-00000000000000001', 'running');
    const planned = await planAndProve(spec, await cloud.observe(spec), ledger);

    // Act
    const outcomes = await fenceThenMove(cloud, spec, planned.plans);

    // Assess
    expect(outcomes.map((o) => [o.action.kind, o.result])).toEqual([['stop-instance', 'unknown']]);
    expect(cloud.routeTarget('rtb-1', '10.1.0.10/32')).toBe('eni-01100000');
  });
});

describe('commitProgress', () => {
  it('marks a failing-over group steady once nothing is left to change, with a phase entry', async () => {
    // Prepare
    const { spec, state, ledger } = setup(ownedBy('node2', { epoch: 2, phase: 'failing-over', lastTransition: { at: NOW - 1500, from: 'node1', to: 'node2', reason: 'failover', epoch: 2, detail: '' } }));
    const planned = await planAndProve(spec, observation('eni-01200000', 'eni-02200000'), ledger);

    // Act
    await commitProgress(spec, planned.plans, [], ledger, NOW);

    // Assess
    expect(state.statuses.get('app')).toMatchObject({ phase: 'steady', version: 2 });
    expect(state.history.map((h) => h.message)).toEqual(['every route and Elastic IP of the group is on node2 in 1.5s']);
  });
});

describe('logFindings', () => {
  it('logs a finding that persists once when it starts and once when it ends, not every tick', async () => {
    // Prepare: no agent runs, so no member is healthy
    const lines: { level: string; message: string; code?: unknown }[] = [];
    const logger = {
      info: (message: string, fields?: Record<string, unknown>) => lines.push({ level: 'info', message, code: fields?.code }),
      warn: (message: string, fields?: Record<string, unknown>) => lines.push({ level: 'warn', message, code: fields?.code }),
      error: (message: string, fields?: Record<string, unknown>) => lines.push({ level: 'error', message, code: fields?.code }),
    };
    const world = new SimWorld(clusterSpec(), { logger });
    world.crash('node1');
    world.crash('node2');

    // Act
    await world.run(70);
    world.recover('node1');
    world.recover('node2');
    await world.run(5);

    // Assess
    const r001 = lines.filter((l) => l.code === 'EC2F-R001');
    expect(r001.map((l) => l.level)).toEqual(['error', 'info']);
    expect(r001[1]!.message).toMatch(/^resolved: /);
  });
});
