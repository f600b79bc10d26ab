import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseClusterConfig } from '../../../src/core/config';
import { EventError, parseNodeEvent } from '../../../src/core/events';
import { ReconcileLoop } from '../../../src/core/loop';
import type { ClusterSpec, InstanceState } from '../../../src/core/model';
import type { SignalPort, StoredSignal } from '../../../src/core/ports';
import type { ReconcileDeps } from '../../../src/core/reconcile';
import { SimCloud } from '../../../src/sim/sim-cloud';
import { SimLease } from '../../../src/sim/sim-lease';
import { SimState } from '../../../src/sim/sim-state';

/*
 * The loop on simulated time (vitest's fake timers drive its sleeps, the lease keeper's renewals
 * and Date.now) with 50 ms ticks and heartbeats against the in-memory ports: leases, deadlines,
 * events and handovers.
 */

const TICK_MS = 50;

function fastSpec(): ClusterSpec {
  return parseClusterConfig({
    cluster: 'loop',
    region: 'us-east-1',
    defaults: {
      heartbeat: { intervalSeconds: TICK_MS / 1000, missedBeats: 3 },
      checkIntervalSeconds: TICK_MS / 1000,
      driftCheckIntervalSeconds: 0.5,
      tunables: { apiCallTimeoutSeconds: 0.05 },
    },
    nodes: [
      { id: 'node1', instanceId: 'i-00000000000000001', alarmName: 'node1-db-down' },
      { id: 'node2', instanceId: 'i-00000000000000002' },
    ],
    resources: [
      {
        id: 'vip',
        mode: 'route',
        vpcId: 'vpc-0abc1234',
        destination: '10.1.0.10/32',
        members: [
          { node: 'node1', eni: 'eni-01100000', priority: 1 },
          { node: 'node2', eni: 'eni-01200000', priority: 2 },
        ],
      },
    ],
  });
}

const timers: NodeJS.Timeout[] = [];
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
});
afterEach(() => {
  timers.splice(0).forEach(clearInterval);
  vi.useRealTimers();
});

/** Lets simulated time pass, running every timer and promise due meanwhile. */
const pass = (ms: number) => vi.advanceTimersByTimeAsync(ms);

function world() {
  const spec = fastSpec();
  const state = new SimState(spec);
  const cloud = new SimCloud(Date.now);
  cloud.addTable('rtb-0000000a', 'vpc-0abc1234', { '10.1.0.10/32': 'eni-01100000' });
  cloud.enis.add('eni-01100000').add('eni-01200000');
  const alive = new Set(['node1', 'node2']);
  const seq = { node1: 0, node2: 0 } as Record<string, number>;
  for (const node of spec.nodes) cloud.instances.set(node.instanceId, 'running');
  timers.push(
    setInterval(() => {
      for (const node of spec.nodes) {
        if (alive.has(node.id)) state.writeHeartbeat({ instanceId: node.instanceId, seq: ++seq[node.id]!, sentAt: Date.now(), leaving: false, checks: [] });
      }
    }, TICK_MS),
  );
  const lease = new SimLease(state);
  const deps: ReconcileDeps & { lease: SimLease } = { state, heartbeats: state, cloud, clock: Date.now, lease };
  return { spec, state, cloud, lease, deps, alive };
}

/** EventBridge's time for `ms`: ISO-8601, whole seconds. */
const eventTime = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.000Z$/, 'Z');
/** The start of the next whole second: later than any observation made so far. */
const nextSecond = () => (Math.floor(Date.now() / 1000) + 1) * 1000;

function stateChange(state: InstanceState, timeMs: number, instanceId = 'i-00000000000000001') {
  return {
    version: '0',
    source: 'aws.ec2',
    'detail-type': 'EC2 Instance State-change Notification',
    time: eventTime(timeMs),
    detail: { 'instance-id': instanceId, state },
  };
}

/** What the events Lambda recorded, as the loop reads it. */
class RecordedSignals implements SignalPort {
  readonly stored: StoredSignal[] = [];
  async recordSignal(signal: StoredSignal): Promise<void> {
    this.stored.push(signal);
  }
  async readSignals(): Promise<readonly StoredSignal[]> {
    return [...this.stored];
  }
}

const until = async (condition: () => boolean, timeoutMs = 3000) => {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await pass(5);
  }
  return Date.now() - start;
};

describe('ReconcileLoop', () => {
  it('holds the lease while it runs, stops before its deadline and releases the lease with the baselines', async () => {
    // Prepare
    const w = world();
    const loop = new ReconcileLoop(w.deps, { holder: 'a', signal: new AbortController().signal, deadline: Date.now() + 800, stopMarginMs: 100 });

    // Act
    const started = Date.now();
    const running = loop.run();
    let finished = false;
    void running.then(() => (finished = true));
    await until(() => finished, 2000);
    const summary = await running;

    // Assess
    expect(Date.now() - started).toBeLessThan(800);
    expect(summary).toMatchObject({ heldLease: true, stoppedBecause: 'deadline' });
    expect(summary.ticks).toBeGreaterThan(5);
    expect(w.state.statuses.get('vip')?.owner).toBe('node1');
    expect(w.lease.expiresAt).toBe(0);
    expect(Object.keys(w.lease.baselines)).toEqual(['node1', 'node2']);
  });

  it('fails over when heartbeats stop, within missedBeats × interval plus one tick', async () => {
    // Prepare
    const w = world();
    const abort = new AbortController();
    const running = new ReconcileLoop(w.deps, { holder: 'a', signal: abort.signal }).run();
    await until(() => w.state.statuses.get('vip')?.owner === 'node1');

    // Act
    w.alive.delete('node1');
    const elapsed = await until(() => w.cloud.routeTarget('rtb-0000000a', '10.1.0.10/32') === 'eni-01200000');
    abort.abort();
    await running;

    // Assess: 3 beats of 50 ms, plus a tick, plus scheduling slack
    expect(elapsed).toBeLessThan(3 * TICK_MS + TICK_MS + 400);
    expect(w.state.statuses.get('vip')).toMatchObject({ owner: 'node2', epoch: 2 });
  });

  it('judges a silent node failed as soon as its silence passes the window, not at the tick after', async () => {
    // Prepare: beats and ticks in phase, so the window ends exactly on a tick
    const w = world();
    const abort = new AbortController();
    const running = new ReconcileLoop(w.deps, { holder: 'a', signal: abort.signal }).run();
    await until(() => w.state.statuses.get('vip')?.owner === 'node1');

    // Act
    w.alive.delete('node1');
    await until(() => w.state.statuses.get('vip')?.owner === 'node2');
    abort.abort();
    await running;

    // Assess: failed within a few ms after 3 beats of silence, as the loop saw it
    const failedAt = w.state.statuses.get('vip')!.lastTransition!.at;
    const lastSeen = w.lease.baselines.node1!.seenAt;
    expect(failedAt - lastSeen).toBeGreaterThan(3 * TICK_MS);
    expect(failedAt - lastSeen).toBeLessThanOrEqual(3 * TICK_MS + 5);
  });

  it('acts on an instance stopping event at once, without waiting for heartbeats to stop', async () => {
    // Prepare
    const w = world();
    const abort = new AbortController();
    const loop = new ReconcileLoop(w.deps, { holder: 'a', signal: abort.signal });
    const running = loop.run();
    await until(() => w.state.statuses.get('vip')?.phase === 'steady' && w.state.statuses.get('vip')?.owner === 'node1');

    // Act: stamped a second later than every observation so far (EC2 still says running)
    loop.notify(stateChange('stopping', nextSecond()));
    const elapsed = await until(() => w.state.statuses.get('vip')?.owner === 'node2');
    abort.abort();
    await running;

    // Assess: node1 still heartbeats, so only the event can have moved it
    expect(elapsed).toBeLessThan(3 * TICK_MS);
    expect(w.state.statuses.get('vip')?.lastTransition?.detail).toContain('instance is stopping');
  });

  it('acts on the node alarm going into ALARM', async () => {
    // Prepare
    const w = world();
    const abort = new AbortController();
    const loop = new ReconcileLoop(w.deps, { holder: 'a', signal: abort.signal });
    const running = loop.run();
    await until(() => w.state.statuses.get('vip')?.owner === 'node1');

    // Act
    loop.notify({ source: 'aws.cloudwatch', 'detail-type': 'CloudWatch Alarm State Change', time: eventTime(Date.now()), detail: { alarmName: 'node1-db-down', state: { value: 'ALARM' } } });
    await until(() => w.state.statuses.get('vip')?.owner === 'node2');
    abort.abort();
    await running;

    // Assess
    expect(w.state.statuses.get('vip')?.lastTransition?.detail).toContain('alarm');
  });

  it('does not fail over on a late "stopped" event older than the last "running" observation', async () => {
    // Prepare
    const w = world();
    const abort = new AbortController();
    const loop = new ReconcileLoop(w.deps, { holder: 'a', signal: abort.signal });
    const startedAt = Date.now();
    const running = loop.run();
    await until(() => w.state.statuses.get('vip')?.phase === 'steady' && w.state.statuses.get('vip')?.owner === 'node1');

    // Act: the instance stopped, was started again, and EC2 has since said running; the stop arrives late
    loop.notify(stateChange('stopped', startedAt - 5_000));
    await pass(20 * TICK_MS);
    abort.abort();
    await running;

    // Assess
    expect(w.state.statuses.get('vip')).toMatchObject({ owner: 'node1', epoch: 1 });
  });

  it('does not fail over on a recorded "stopped" event older than the last "running" observation, and does on a newer one', async () => {
    // Prepare
    const w = world();
    const signals = new RecordedSignals();
    const abort = new AbortController();
    const startedAt = Date.now();
    const running = new ReconcileLoop({ ...w.deps, signals }, { holder: 'a', signal: abort.signal }).run();
    await until(() => w.state.statuses.get('vip')?.phase === 'steady' && w.state.statuses.get('vip')?.owner === 'node1');

    // Act: a replayed stop from before the restart, then a stop stamped after every observation
    signals.stored.push({ signal: { kind: 'instance-state', instanceId: 'i-00000000000000001', state: 'stopped' }, at: Math.floor(startedAt / 1000) * 1000 - 5_000 });
    await pass(20 * TICK_MS);
    const afterOld = w.state.statuses.get('vip');
    signals.stored.splice(0, 1, { signal: { kind: 'instance-state', instanceId: 'i-00000000000000001', state: 'stopped' }, at: nextSecond() });
    await until(() => w.state.statuses.get('vip')?.owner === 'node2', 3 * TICK_MS);
    abort.abort();
    await running;

    // Assess
    expect(afterOld).toMatchObject({ owner: 'node1', epoch: 1 });
    expect(w.state.statuses.get('vip')?.lastTransition?.detail).toContain('instance is stopped');
  });

  it('takes the events the state read carried, without a read of its own', async () => {
    // Prepare: a store that keeps events beside the state hands them over with it
    const w = world();
    const carried: StoredSignal[] = [];
    const reads = { state: 0, signals: 0 };
    const state = Object.assign(Object.create(w.state) as typeof w.state, {
      read: async () => {
        reads.state += 1;
        return { ...(await w.state.read()), signals: [...carried] };
      },
    });
    const signals: SignalPort = {
      recordSignal: async () => undefined,
      readSignals: async () => {
        reads.signals += 1;
        return [];
      },
    };
    const abort = new AbortController();
    const running = new ReconcileLoop({ ...w.deps, state, signals }, { holder: 'a', signal: abort.signal }).run();
    await until(() => w.state.statuses.get('vip')?.phase === 'steady' && w.state.statuses.get('vip')?.owner === 'node1');

    // Act
    carried.push({ signal: { kind: 'instance-state', instanceId: 'i-00000000000000001', state: 'stopped' }, at: nextSecond() });
    await until(() => w.state.statuses.get('vip')?.owner === 'node2', 3 * TICK_MS);
    await pass(10 * TICK_MS);
    abort.abort();
    await running;

    // Assess
    expect(w.state.statuses.get('vip')).toMatchObject({ owner: 'node2', epoch: 2 });
    expect(w.state.statuses.get('vip')?.lastTransition?.detail).toContain('instance is stopped');
    expect(reads.signals).toBe(0);
    expect(reads.state).toBeGreaterThan(10);
  });

  it("reads the event's own time, and refuses an event without a valid one with a coded error", () => {
    // Act
    const parsed = parseNodeEvent(stateChange('running', Date.UTC(2026, 0, 1, 12, 0, 7)));
    const withoutTime = () => parseNodeEvent({ ...stateChange('stopped', Date.now()), time: undefined });
    const badTime = () => parseNodeEvent({ ...stateChange('stopped', Date.now()), time: 'yesterday' });

    // Assess
    expect(parsed).toEqual({ signal: { kind: 'instance-state', instanceId: 'i-00000000000000001', state: 'running' }, at: Date.UTC(2026, 0, 1, 12, 0, 7) });
    expect(withoutTime).toThrow(EventError);
    expect(withoutTime).toThrow(/^EC2F-V001 .*time/);
    expect(badTime).toThrow(/^EC2F-V001 .*"yesterday"/);
  });

  it('refuses an event it does not understand with a coded error', () => {
    expect(() => parseNodeEvent({ source: 'aws.s3', 'detail-type': 'Object Created' })).toThrow(EventError);
    expect(() => parseNodeEvent({ source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', detail: { state: 'stopped' } })).toThrow(
      /EC2F-V001/,
    );
  });

  it('a second loop stands by while the first holds the lease, and takes over at once on release', async () => {
    // Prepare
    const w = world();
    const first = new AbortController();
    const runningA = new ReconcileLoop(w.deps, { holder: 'a', signal: first.signal }).run();
    await until(() => w.state.statuses.get('vip')?.owner === 'node1');
    const second = new AbortController();
    const runningB = new ReconcileLoop(w.deps, { holder: 'b', signal: second.signal }).run();
    await pass(150);
    const holderWhileBoth = w.lease.holder;
    const tokenOfA = w.state.leaseToken;

    // Act
    first.abort();
    await runningA;
    const takeover = await until(() => w.lease.holder === 'b');
    second.abort();
    await runningB;

    // Assess
    expect(holderWhileBoth).toBe('a');
    expect(takeover).toBeLessThan(3 * TICK_MS);
    expect(w.state.leaseToken).toBe(tokenOfA + 1);
  });

  it('takes over an abandoned lease after it expires, starting from the saved baselines', async () => {
    // Prepare: a loop that vanished (as under SIGKILL) left its lease and baselines behind
    const w = world();
    const warmup = new AbortController();
    const runningWarmup = new ReconcileLoop(w.deps, { holder: 'ghost', signal: warmup.signal }).run();
    await until(() => w.state.statuses.get('vip')?.phase === 'steady');
    warmup.abort();
    await runningWarmup;
    w.lease.holder = 'ghost';
    w.lease.expiresAt = Date.now() + 300;
    const abandonedAt = Date.now();

    // Act
    const abort = new AbortController();
    const running = new ReconcileLoop(w.deps, { holder: 'b', signal: abort.signal }).run();
    await until(() => w.lease.holder === 'b');
    const takeover = Date.now() - abandonedAt;
    await pass(150);
    abort.abort();
    await running;

    // Assess: no gap longer than a tick past expiry; nobody judged dead or moved on handover
    expect(takeover).toBeGreaterThanOrEqual(290);
    expect(takeover).toBeLessThan(300 + 2 * TICK_MS);
    expect(w.state.statuses.get('vip')).toMatchObject({ owner: 'node1', epoch: 1 });
  });
});

describe('ReconcileLoop, on demand', () => {
  /** One on-demand run, to its end. */
  const onDemandRun = async (w: ReturnType<typeof world>, holder: string) => {
    let finished = false;
    const running = new ReconcileLoop(w.deps, { holder, signal: new AbortController().signal, deadline: Date.now() + 5_000, stopMarginMs: 100, shape: 'on-demand' }).run();
    void running.then(() => (finished = true));
    const took = await until(() => finished, 5_000);
    return { summary: await running, took };
  };

  it('stops as soon as the cluster is steady, releasing the lease with the baselines', async () => {
    // Prepare
    const w = world();

    // Act
    const { summary, took } = await onDemandRun(w, 'a');

    // Assess: a few ticks, not the 4.9 s the deadline allowed
    expect(summary).toMatchObject({ heldLease: true, stoppedBecause: 'steady' });
    expect(took).toBeLessThan(10 * TICK_MS);
    expect(w.state.statuses.get('vip')).toMatchObject({ owner: 'node1', phase: 'steady' });
    expect(w.lease.expiresAt).toBe(0);
    expect(w.lease.baselines.node1).toMatchObject({ lagMs: expect.any(Number) });
  });

  it('woken after the owner went silent, fails it over a window after its last beat, not a window after the run started', async () => {
    // Prepare: an earlier run measured the clocks; the nodes beat on with no run watching
    const w = world();
    await onDemandRun(w, 'scheduled');
    await pass(40 * TICK_MS);
    w.alive.delete('node1');
    const lastSentAt = Date.now();
    await pass(2 * TICK_MS);

    // Act: the run a standby's agent wakes
    const { summary } = await onDemandRun(w, 'woken');

    // Assess: failed 3 beats after its last one (and after the run watched it silent for a beat and a quarter), then stopped
    const failedAt = w.state.statuses.get('vip')!.lastTransition!.at;
    expect(w.state.statuses.get('vip')).toMatchObject({ owner: 'node2', phase: 'steady' });
    expect(w.cloud.routeTarget('rtb-0000000a', '10.1.0.10/32')).toBe('eni-01200000');
    expect(failedAt - lastSentAt).toBeGreaterThan(3 * TICK_MS);
    expect(failedAt - lastSentAt).toBeLessThan(3 * TICK_MS + TICK_MS);
    expect(summary.stoppedBecause).toBe('steady');
  });

  it('judges what its last EC2 read found before it stops: an instance found stopped (its agent still beating, no event) is failed over', async () => {
    // Prepare: node1's instance stops without an event reaching the loop; its agent beats on
    const w = world();
    await onDemandRun(w, 'scheduled');
    w.cloud.instances.set('i-00000000000000001', 'stopped');

    // Act
    const { summary } = await onDemandRun(w, 'next');

    // Assess
    expect(w.state.statuses.get('vip')).toMatchObject({ owner: 'node2', phase: 'steady' });
    expect(summary).toMatchObject({ stoppedBecause: 'steady', transitions: 1 });
  });

  it('keeps to a tick an interval while EC2 answers unknown at once, however often it reads it', async () => {
    // Prepare: every read of EC2 answers "unknown" straight away, so the run never settles
    const w = world();
    for (const operation of ['describe-route-tables', 'describe-addresses', 'describe-instances', 'describe-network-interfaces', 'describe-vpcs'] as const) w.cloud.unknownRate.set(operation, 1);

    // Act: a run allowed 1 s
    let finished = false;
    const running = new ReconcileLoop(w.deps, { holder: 'a', signal: new AbortController().signal, deadline: Date.now() + 1_100, stopMarginMs: 100, shape: 'on-demand' }).run();
    void running.then(() => (finished = true));
    await until(() => finished, 3_000);
    const summary = await running;

    // Assess: at most two looks a tick interval (the tick and one look at what it read), not back to back
    expect(summary.stoppedBecause).toBe('deadline');
    expect(summary.ticks).toBeGreaterThanOrEqual(1_000 / TICK_MS / 2);
    expect(summary.ticks).toBeLessThanOrEqual(2 * (1_000 / TICK_MS) + 2);
  });

  it('woken while the owner beats, changes nothing and stops', async () => {
    // Prepare
    const w = world();
    await onDemandRun(w, 'scheduled');
    await pass(40 * TICK_MS);

    // Act
    const { summary, took } = await onDemandRun(w, 'woken');

    // Assess: one tick, and its EC2 read judged at once rather than a tick later
    expect(summary.stoppedBecause).toBe('steady');
    expect(took).toBeLessThan(TICK_MS);
    expect(summary.transitions).toBe(0);
    expect(w.state.statuses.get('vip')).toMatchObject({ owner: 'node1', epoch: 1 });
  });
});
