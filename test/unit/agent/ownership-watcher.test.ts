import { describe, expect, it } from 'vitest';
import { silentAgentLogger } from '../../../src/agent/agent-logger';
import type { HookCall } from '../../../src/agent/hook-environment';
import type { HookResult } from '../../../src/agent/group-hooks';
import type { GroupRecord } from '../../../src/agent/ownership-decision';
import { OwnershipWatcher, type RecordStore } from '../../../src/agent/ownership-watcher';
import { HookFailedError } from '../../../src/agent/agent-errors';
import { parseClusterConfig, type ClusterConfigInput } from '../../../src/core/config';
import { initialStatus, type ClusterSpec, type GroupStatus, type Heartbeat } from '../../../src/core/model';

const INSTANCE = 'i-0000000000000001';

function spec(vip = '10.1.0.10/32', withNode1 = true): ClusterSpec {
  const members = (withNode1 ? [{ node: 'node1', eni: 'eni-00000001', priority: 1 }] : []).concat([{ node: 'node2', eni: 'eni-00000002', priority: 2 }]);
  const config: ClusterConfigInput = {
    cluster: 'c',
    region: 'us-east-1',
    nodes: [
      { id: 'node1', instanceId: INSTANCE },
      { id: 'node2', instanceId: 'i-0000000000000002' },
    ],
    resources: [
      { id: 'db-vip', group: 'db', mode: 'route', vpcId: 'vpc-00000001', destination: vip, members },
      { id: 'db-eip', group: 'db', mode: 'eip', allocationId: 'eipalloc-00000001', members },
    ],
  };
  return parseClusterConfig(config);
}

const owned = (owner: string | null, epoch: number): GroupStatus => ({ ...initialStatus('db'), owner, epoch, version: epoch });

class World {
  now = 1_000_000;
  current = { spec: spec(), statuses: new Map<string, GroupStatus>() };
  readFails = false;
  readonly calls: { kind: 'activate' | 'deactivate'; call: HookCall }[] = [];
  activateFails = false;
  saved = new Map<string, GroupRecord>();
  /** Other nodes' heartbeats, by instance id. */
  readonly peerBeats = new Map<string, Heartbeat>();
  reports = 0;

  readonly records: RecordStore = {
    load: () => new Map(this.saved),
    save: (records) => {
      this.saved = new Map(records);
    },
  };

  watcher(options: { selfFencing?: boolean } = {}): OwnershipWatcher {
    return new OwnershipWatcher({
      cluster: 'c',
      instanceId: INSTANCE,
      reader: {
        read: async () => {
          if (this.readFails) throw new Error('network unreachable');
          return this.current;
        },
      },
      hooks: {
        activate: async (call): Promise<HookResult> => {
          this.calls.push({ kind: 'activate', call });
          return this.activateFails ? { ok: false, error: new HookFailedError('activate hook', 'exit 1: promotion failed') } : { ok: true };
        },
        deactivate: async (call): Promise<HookResult> => {
          this.calls.push({ kind: 'deactivate', call });
          return { ok: true };
        },
      },
      records: this.records,
      interfaces: { interfaceOf: () => 'eth1', refreshFor: async () => undefined },
      log: silentAgentLogger,
      spec: this.current.spec,
      readTimeoutMs: 1000,
      activateRetryMs: 30_000,
      selfFencing: { enabled: options.selfFencing ?? false, leaseMs: 1000 },
      peers: { read: async (instanceId) => this.peerBeats.get(instanceId) },
      onReport: () => {
        this.reports += 1;
      },
      clock: () => this.now,
    });
  }

  setStatus(owner: string | null, epoch: number): void {
    this.current = { ...this.current, statuses: new Map([['db', owned(owner, epoch)]]) };
  }

  steps(): string[] {
    return this.calls.map(({ kind, call }) => `${kind} ${call.epoch} ${call.reason}`);
  }
}

describe('OwnershipWatcher', () => {
  it('runs the activate path once per ownership, however many polls see it', async () => {
    // Prepare
    const world = new World();
    const watcher = world.watcher();
    world.setStatus('node1', 1);

    // Act
    for (let i = 0; i < 3; i += 1) await watcher.poll();

    // Assess
    expect(world.steps()).toEqual(['activate 1 became-owner']);
    expect(world.calls[0]!.call).toMatchObject({
      group: 'db',
      node: 'node1',
      role: 'active',
      bindings: [
        { resource: 'db-vip', mode: 'route', eni: 'eni-00000001', vip: '10.1.0.10', interface: 'eth1' },
        { resource: 'db-eip', mode: 'eip', eni: 'eni-00000001' },
      ],
    });
    expect(world.saved.get('db')).toMatchObject({ epoch: 1, role: 'active' });
  });

  it('deactivates what it activated, even after the spec changed the virtual IP', async () => {
    // Prepare
    const world = new World();
    const watcher = world.watcher();
    world.setStatus('node1', 1);
    await watcher.poll();

    // Act
    world.current = { spec: spec('10.1.0.99/32'), statuses: new Map([['db', owned('node2', 2)]]) };
    await watcher.poll();
    await watcher.poll();

    // Assess
    expect(world.steps()).toEqual(['activate 1 became-owner', 'deactivate 2 lost-ownership']);
    expect(world.calls[1]!.call.bindings.find((b) => b.mode === 'route')).toMatchObject({ vip: '10.1.0.10' });
  });

  it('a restarted watcher neither repeats the hook it ran nor misses the change it slept through', async () => {
    // Prepare
    const world = new World();
    world.setStatus('node1', 1);
    await world.watcher().poll();

    // Act
    await world.watcher().poll();
    world.setStatus('node2', 2);
    await world.watcher().poll();

    // Assess
    expect(world.steps()).toEqual(['activate 1 became-owner', 'deactivate 2 lost-ownership']);
  });

  it('ignores a status older than one it acted on', async () => {
    // Prepare
    const world = new World();
    const watcher = world.watcher();
    world.setStatus('node1', 3);
    await watcher.poll();

    // Act
    world.setStatus('node2', 2);
    await watcher.poll();

    // Assess
    expect(world.steps()).toEqual(['activate 3 became-owner']);
  });

  it('reports a failed activation as a failing required check until ownership moves on', async () => {
    // Prepare
    const world = new World();
    const watcher = world.watcher();
    world.activateFails = true;
    world.setStatus('node1', 4);

    // Act
    await watcher.poll();
    const whileOwner = watcher.activationCheck();
    world.setStatus('node2', 5);
    await watcher.poll();
    const afterwards = watcher.activationCheck();

    // Assess
    expect(whileOwner).toEqual({ name: 'activate-hook', ok: false, required: true, detail: 'db epoch 4: EC2F-G008 activate hook failed: exit 1: promotion failed' });
    expect(world.steps()).toEqual(['activate 4 became-owner', 'deactivate 5 lost-ownership']);
    expect(afterwards).toEqual({ name: 'activate-hook', ok: true, required: true, detail: 'owns no group' });
  });

  it('with self-fencing, demotes itself once the status is unreadable for longer than the lease, and comes back when confirmed', async () => {
    // Prepare
    const world = new World();
    const watcher = world.watcher({ selfFencing: true });
    world.setStatus('node1', 1);
    await watcher.poll();

    // Act
    world.readFails = true;
    world.now += 900;
    await watcher.poll();
    const withinLease = world.steps().length;
    world.now += 200;
    await watcher.poll();
    await watcher.poll();
    world.readFails = false;
    await watcher.poll();

    // Assess
    expect(withinLease).toBe(1);
    expect(world.steps()).toEqual(['activate 1 became-owner', 'deactivate 1 self-fence', 'activate 1 still-owner']);
  });

  it('without self-fencing, keeps serving however long the status is unreadable', async () => {
    // Prepare
    const world = new World();
    const watcher = world.watcher();
    world.setStatus('node1', 1);
    await watcher.poll();

    // Act
    world.readFails = true;
    world.now += 3_600_000;
    await watcher.poll();

    // Assess
    expect(world.steps()).toEqual(['activate 1 became-owner']);
  });

  it('stands down in a group it is no longer a member of, and forgets it', async () => {
    // Prepare
    const world = new World();
    const watcher = world.watcher();
    world.setStatus('node1', 1);
    await watcher.poll();

    // Act
    world.current = { ...world.current, spec: spec('10.1.0.10/32', false) };
    await watcher.poll();

    // Assess
    expect(world.steps()).toEqual(['activate 1 became-owner', 'deactivate 1 not-a-member']);
    expect(world.saved.has('db')).toBe(false);
  });

  it('on leave deactivates what it holds, and does not activate once a stop is under way', async () => {
    // Prepare
    const world = new World();
    const watcher = world.watcher();
    world.setStatus('node1', 1);
    await watcher.poll();

    // Act
    await watcher.leaveAll();
    await watcher.poll(AbortSignal.abort());

    // Assess
    expect(world.steps()).toEqual(['activate 1 became-owner', 'deactivate 1 leaving']);
    expect(world.saved.get('db')).toMatchObject({ epoch: 1, role: 'standby' });
  });
});

const NODE2 = 'i-0000000000000002';

function node2Says(world: World, report: Heartbeat['groups'], extra: Partial<Heartbeat> = {}): void {
  world.peerBeats.set(NODE2, { instanceId: NODE2, seq: 10, sentAt: 0, leaving: false, checks: [], groups: report, release: { deactivateMs: 1000 }, ...extra });
}

function handedOver(world: World, epoch: number, fromSilent = false): void {
  const status: GroupStatus = {
    ...owned('node1', epoch),
    lastTransition: { at: 0, from: 'node2', to: 'node1', reason: 'switchover', epoch, detail: 'requested by operator', fromSilent },
  };
  world.current = { ...world.current, statuses: new Map([['db', status]]) };
}

describe('OwnershipWatcher: ordered handover', () => {
  it('activates only after the old owner reports its release for the new epoch', async () => {
    // Prepare
    const world = new World();
    const watcher = world.watcher();
    node2Says(world, { db: { epoch: 1, role: 'active' } });
    handedOver(world, 2);

    // Act
    await watcher.poll();
    const whileHeld = world.steps();
    const waiting = watcher.report();
    node2Says(world, { db: { epoch: 2, role: 'releasing' } });
    world.now += 300;
    await watcher.poll();
    node2Says(world, { db: { epoch: 2, role: 'standby' } });
    world.now += 300;
    await watcher.poll();

    // Assess
    expect(whileHeld).toEqual([]);
    expect(waiting).toEqual({});
    expect(world.steps()).toEqual(['activate 2 became-owner']);
    expect(watcher.report()).toEqual({ db: { epoch: 2, role: 'active' } });
  });

  it('keeps waiting for an old owner that is alive (its sequence advances) past the answer time, busy with other hooks', async () => {
    // Prepare
    const world = new World();
    const watcher = world.watcher();
    const busy = (seq: number) => node2Says(world, { db: { epoch: 1, role: 'active' } }, { seq, release: { deactivateMs: 20_000 } });
    handedOver(world, 2);

    // Act
    for (let second = 0; second <= 8; second += 1) {
      busy(10 + second);
      await watcher.poll();
      world.now += 1000;
    }

    // Assess
    expect(world.steps()).toEqual([]);
  });

  it('takes an old owner whose sequence stood still for a failure window as gone', async () => {
    // Prepare
    const world = new World();
    const watcher = world.watcher();
    node2Says(world, { db: { epoch: 1, role: 'active' } });
    handedOver(world, 2);

    // Act
    await watcher.poll();
    world.now += 2999;
    await watcher.poll();
    const withinWindow = world.steps();
    world.now += 1;
    await watcher.poll();

    // Assess
    expect(withinWindow).toEqual([]);
    expect(world.steps()).toEqual(['activate 2 became-owner']);
  });

  it('reports an activation as active before its hook runs', async () => {
    // Prepare
    const world = new World();
    const watcher = world.watcher();
    world.setStatus('node1', 1);
    let duringHook: unknown;
    const original = world.calls.push.bind(world.calls);
    world.calls.push = (...items) => {
      duringHook = watcher.report();
      return original(...items);
    };

    // Act
    await watcher.poll();

    // Assess
    expect(duringHook).toEqual({ db: { epoch: 1, role: 'active' } });
  });

  it('does not wait for an old owner whose heartbeat had stalled (no self-fencing)', async () => {
    // Prepare
    const world = new World();
    const watcher = world.watcher();
    node2Says(world, { db: { epoch: 1, role: 'active' } });
    handedOver(world, 2, true);

    // Act
    await watcher.poll();

    // Assess
    expect(world.steps()).toEqual(['activate 2 became-owner']);
  });

  it('waits out the self-fencing bound of a stalled old owner', async () => {
    // Prepare
    const world = new World();
    const watcher = world.watcher();
    node2Says(world, { db: { epoch: 1, role: 'active' } }, { release: { deactivateMs: 1000, fenceMs: 5000 } });
    handedOver(world, 2, true);

    // Act
    await watcher.poll();
    world.now += 4000;
    await watcher.poll();
    const beforeBound = world.steps();
    world.now += 1000;
    await watcher.poll();

    // Assess
    expect(beforeBound).toEqual([]);
    expect(world.steps()).toEqual(['activate 2 became-owner']);
  });

  it('reports a release as it happens: releasing during the hook, standby at the new epoch after it', async () => {
    // Prepare
    const world = new World();
    const watcher = world.watcher();
    world.setStatus('node1', 1);
    await watcher.poll();
    let duringHook: unknown;
    const reportsBefore = world.reports;
    const original = world.calls.push.bind(world.calls);
    world.calls.push = (...items) => {
      duringHook = watcher.report();
      return original(...items);
    };

    // Act
    world.setStatus('node2', 2);
    await watcher.poll();

    // Assess
    expect(duringHook).toEqual({ db: { epoch: 2, role: 'releasing' } });
    expect(watcher.report()).toEqual({ db: { epoch: 2, role: 'standby' } });
    // Announced before any hook runs, then at the hook's start and end.
    expect(world.reports - reportsBefore).toBe(3);
  });

  it('a standby that sees a newer epoch reports it at once', async () => {
    // Prepare
    const world = new World();
    const watcher = world.watcher();
    world.setStatus('node2', 1);
    await watcher.poll();
    const reportsBefore = world.reports;

    // Act
    world.setStatus('node2', 3);
    await watcher.poll();

    // Assess
    expect(watcher.report()).toEqual({ db: { epoch: 3, role: 'standby' } });
    expect(world.reports).toBeGreaterThan(reportsBefore);
  });
});
