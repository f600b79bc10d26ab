import type { ClusterSpec, GroupId, GroupReport, GroupStatus, HealthCheckResult, NodeId } from '../core/model';
import type { StoredState } from '../core/ports';
import { abortableSleep, withTimeout } from '../core/abortable-sleep';
import { ACTIVATE_HOOK_CHECK } from './agent-config';
import type { AgentLogger } from './agent-logger';
import { groupBindings, groupsOfNode, type ResourceBinding } from './group-bindings';
import type { GroupHooks } from './group-hooks';
import { HandoverWaits, type PeerReader } from './handover-waits';
import type { HookCall } from './hook-environment';
import type { InterfaceResolver } from './interface-resolver';
import { decideGroupStep, type DeactivateReason, type GroupRecord } from './ownership-decision';

/*
 * Polls the status of this node's groups (one consistent read per interval) and runs the
 * activate / deactivate path exactly once per change of ownership, recording each step in the
 * state file before moving on. Hooks run one at a time, in this loop: the heartbeat has a loop
 * of its own, so a long hook never silences the node.
 *
 * Ordered handover: a new owner activates only once every other member has let go of the group
 * (see handover-gate.ts); the old owner reports its release in its heartbeat at once, through
 * `onReport`, and the new owner polls quickly while it waits.
 *
 * Self-fencing (opt-in): an owner that cannot read the status for longer than the lease
 * demotes itself, trading availability (if DynamoDB is unreachable from every node, nobody
 * serves) for never serving beside a newer owner it cannot see.
 */

export interface StatusReader {
  read(): Promise<StoredState>;
}

export interface RecordStore {
  load(log: AgentLogger): Map<string, GroupRecord>;
  save(records: ReadonlyMap<string, GroupRecord>): void;
}

export interface OwnershipWatcherOptions {
  readonly cluster: string;
  readonly instanceId: string;
  readonly reader: StatusReader;
  readonly hooks: Pick<GroupHooks, 'activate' | 'deactivate'>;
  readonly records: RecordStore;
  readonly interfaces: Pick<InterfaceResolver, 'interfaceOf' | 'refreshFor'>;
  readonly log: AgentLogger;
  /** The spec read at startup; every successful poll replaces it. */
  readonly spec: ClusterSpec;
  readonly readTimeoutMs: number;
  readonly activateRetryMs: number;
  readonly selfFencing: { readonly enabled: boolean; readonly leaseMs: number };
  /** The other members' heartbeats, read while an activation waits for them to let go. */
  readonly peers?: PeerReader | undefined;
  /** Called when what `report()` says has changed: the heartbeat sends it at once. */
  readonly onReport?: (() => void) | undefined;
  readonly clock?: (() => number) | undefined;
}

const FAILURE_LOG_EVERY = 20;
/** The poll interval while an activation waits for another member to let go. */
export const HANDOVER_POLL_MS = 100;

export class OwnershipWatcher {
  private readonly records: Map<GroupId, GroupRecord>;
  private readonly clock: () => number;
  private spec: ClusterSpec;
  private statuses: ReadonlyMap<GroupId, GroupStatus> = new Map();
  private node: NodeId | undefined;
  private lastConfirmedAt: number;
  private readFailures = 0;
  private saveFailing = false;
  /** Groups whose deactivation is under way or about to be, by epoch: reported as `releasing`. */
  private readonly releasing = new Map<GroupId, number>();
  /** Groups whose activation is under way, by epoch: reported as `active` before the hook runs. */
  private readonly activating = new Map<GroupId, number>();
  private readonly handover: HandoverWaits;

  constructor(private readonly options: OwnershipWatcherOptions) {
    this.clock = options.clock ?? Date.now;
    this.spec = options.spec;
    this.node = options.spec.nodes.find((n) => n.instanceId === options.instanceId)?.id;
    this.records = options.records.load(options.log);
    this.lastConfirmedAt = this.clock();
    this.handover = new HandoverWaits({
      peers: options.peers ?? { read: async () => undefined },
      log: options.log,
      clock: this.clock,
      readTimeoutMs: options.readTimeoutMs,
      // An agent that is alive reads the status within a beat and reports within another; each read or write within its timeout.
      ackMs: () => 2 * this.intervalMs + 2 * options.readTimeoutMs,
      windowMs: () => this.spec.defaults.heartbeat.missedBeats * this.intervalMs,
    });
  }

  get currentSpec(): ClusterSpec {
    return this.spec;
  }

  /** The group statuses of the last successful read. */
  get currentStatuses(): ReadonlyMap<GroupId, GroupStatus> {
    return this.statuses;
  }

  /** This node's id in the spec last read; undefined when it is no node of it. */
  get currentNode(): NodeId | undefined {
    return this.node;
  }

  get intervalMs(): number {
    return this.spec.defaults.heartbeat.intervalSeconds * 1000;
  }

  /** A copy of what the agent last did per group. */
  snapshot(): ReadonlyMap<GroupId, GroupRecord> {
    return new Map(this.records);
  }

  /** What this node does per group, for its heartbeat: how a new owner knows it has let go. */
  report(): Record<GroupId, GroupReport> {
    const report: Record<GroupId, GroupReport> = {};
    for (const [group, record] of this.records) report[group] = { epoch: record.epoch, role: record.role };
    for (const [group, epoch] of this.activating) report[group] = { epoch, role: 'active' };
    for (const [group, epoch] of this.releasing) report[group] = { epoch, role: 'releasing' };
    return report;
  }

  /** The synthetic required check: failing while an activation of a group this node owns has failed. */
  activationCheck(): HealthCheckResult {
    const failed = [...this.records].filter(([, record]) => record.role === 'failed');
    if (failed.length > 0) {
      const detail = failed.map(([group, record]) => `${group} epoch ${record.epoch}: ${record.failure ?? 'failed'}`).join('; ');
      return { name: ACTIVATE_HOOK_CHECK, ok: false, required: true, detail: detail.length > 300 ? `${detail.slice(0, 299)}…` : detail };
    }
    const active = [...this.records].filter(([, record]) => record.role === 'active').map(([group, record]) => `${group}@${record.epoch}`);
    return { name: ACTIVATE_HOOK_CHECK, ok: true, required: true, detail: active.length > 0 ? `active: ${active.join(', ')}` : 'owns no group' };
  }

  /** Polls until `signal` aborts; a poll in progress (and its hook) finishes first. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = this.clock();
      await this.poll(signal);
      const pauseMs = this.handover.waiting ? HANDOVER_POLL_MS : this.intervalMs - (this.clock() - started);
      await abortableSleep(pauseMs, signal);
    }
  }

  /** One read of the status and whatever hooks it calls for. */
  async poll(signal?: AbortSignal): Promise<void> {
    let state: StoredState;
    try {
      state = await withTimeout(this.options.reader.read(), this.options.readTimeoutMs, 'reading the group status');
    } catch (error) {
      await this.unconfirmed(error);
      return;
    }
    this.confirmed(state.spec);
    this.statuses = state.statuses;

    const groups = this.node === undefined ? [] : groupsOfNode(this.spec, this.node);
    this.handover.keepOnly(groups);
    this.announceReleases(groups, state);
    for (const group of groups) {
      await this.handle(group, state.statuses.get(group), signal);
    }
    for (const [group, record] of [...this.records]) {
      if (groups.includes(group)) continue;
      if (record.role !== 'standby') await this.deactivate(group, record.epoch, 'not-a-member', record.bindings ?? []);
      this.records.delete(group);
      this.save();
    }
  }

  /**
   * Every group this poll will take down is reported `releasing` at once, before any hook runs:
   * hooks run one at a time, and a new owner must not mistake this node, busy with another
   * group's hook, for one that cannot answer.
   */
  private announceReleases(groups: readonly GroupId[], state: StoredState): void {
    let announced = false;
    for (const group of groups) {
      const record = this.records.get(group);
      const status = state.statuses.get(group);
      if (!record || record.role === 'standby' || !status || status.owner === this.node || status.epoch < record.epoch) continue;
      this.releasing.set(group, status.epoch);
      announced = true;
    }
    if (announced) this.options.onReport?.();
  }

  /** Planned stop: takes down every group this node holds (or failed to activate). */
  async leaveAll(): Promise<void> {
    const held = [...this.records].filter(([, record]) => record.role !== 'standby');
    for (const [group, record] of held) this.releasing.set(group, record.epoch);
    if (held.length > 0) this.options.onReport?.();
    for (const [group, record] of [...this.records]) {
      if (record.role === 'standby') continue;
      await this.deactivate(group, record.epoch, 'leaving', record.bindings ?? this.bindings(group));
    }
  }

  private confirmed(spec: ClusterSpec): void {
    if (this.readFailures > 0) this.options.log.info('status readable again', { failedInARow: this.readFailures });
    this.readFailures = 0;
    this.lastConfirmedAt = this.clock();
    this.spec = spec;
    const node = spec.nodes.find((n) => n.instanceId === this.options.instanceId)?.id;
    if (node === undefined && this.node !== undefined) {
      this.options.log.error('this instance is no longer a node of the cluster; standing down in every group', { instanceId: this.options.instanceId });
    }
    this.node = node;
  }

  private async unconfirmed(error: unknown): Promise<void> {
    this.readFailures += 1;
    const unconfirmedMs = this.clock() - this.lastConfirmedAt;
    if (this.readFailures === 1 || this.readFailures % FAILURE_LOG_EVERY === 0) {
      this.options.log.warn('status unreadable; ownership unconfirmed', { failedInARow: this.readFailures, unconfirmedMs, error: (error as Error).message });
    }
    const { enabled, leaseMs } = this.options.selfFencing;
    if (!enabled || unconfirmedMs <= leaseMs) return;
    for (const [group, record] of [...this.records]) {
      if (record.role === 'standby') continue;
      this.options.log.error('self-fencing: ownership unconfirmed for longer than the lease; demoting', { group, epoch: record.epoch, unconfirmedMs, leaseMs });
      await this.deactivate(group, record.epoch, 'self-fence', record.bindings ?? this.bindings(group));
    }
  }

  private async handle(group: GroupId, status: GroupStatus | undefined, signal: AbortSignal | undefined): Promise<void> {
    const record = this.records.get(group);
    const step = decideGroupStep({ record, status, me: this.node as NodeId, now: this.clock(), retryMs: this.options.activateRetryMs });
    if (step.kind !== 'activate') this.handover.forget(group);
    switch (step.kind) {
      case 'none':
        if (step.why === 'stale') this.options.log.warn('ignoring a status older than one already acted on', { group, seen: status?.epoch, handled: record?.epoch });
        return;
      case 'record':
        this.records.set(group, step.record);
        this.save();
        this.options.onReport?.();
        return;
      case 'activate':
        // A planned stop is under way: becoming active now would only be undone at once.
        if (signal?.aborted) return;
        if (!(await this.handover.mayActivate(this.spec, this.node as NodeId, status as GroupStatus))) return;
        if (signal?.aborted) return;
        await this.activate(group, step.epoch, step.reason, record?.epoch);
        return;
      case 'deactivate':
        await this.deactivate(group, step.epoch, step.reason, record?.bindings ?? this.bindings(group));
        return;
    }
  }

  private async activate(group: GroupId, epoch: number, reason: string, previousEpoch: number | undefined): Promise<void> {
    await this.options.interfaces.refreshFor(this.routeEnis(group));
    const bindings = this.bindings(group);
    this.options.log.info('activating', { group, epoch, reason, previousEpoch });
    this.activating.set(group, epoch);
    this.options.onReport?.();
    const result = await this.options.hooks.activate(this.call(group, epoch, 'active', reason, bindings));
    this.activating.delete(group);
    const at = this.clock();
    const stored = bindings.map(({ interfaceError: _dropped, ...binding }) => binding);
    this.records.set(group, result.ok ? { epoch, role: 'active', at, bindings: stored } : { epoch, role: 'failed', at, bindings: stored, failure: result.error.message });
    this.save();
    this.options.onReport?.();
    if (result.ok) this.options.log.info('activated', { group, epoch, reason });
  }

  private async deactivate(group: GroupId, epoch: number, reason: DeactivateReason, bindings: readonly ResourceBinding[]): Promise<void> {
    this.options.log.info('deactivating', { group, epoch, reason });
    this.releasing.set(group, epoch);
    this.options.onReport?.();
    const result = await this.options.hooks.deactivate(this.call(group, epoch, 'standby', reason, bindings));
    // Recorded as standby even when a step failed: retrying a teardown in a loop helps nobody, and it is logged.
    this.records.set(group, { epoch, role: 'standby', at: this.clock() });
    this.releasing.delete(group);
    this.save();
    this.options.onReport?.();
    if (result.ok) this.options.log.info('deactivated', { group, epoch, reason });
  }

  private call(group: GroupId, epoch: number, role: HookCall['role'], reason: string, bindings: readonly ResourceBinding[]): HookCall {
    return { cluster: this.options.cluster, node: this.node ?? '', instanceId: this.options.instanceId, group, epoch, role, reason, bindings };
  }

  private bindings(group: GroupId): ResourceBinding[] {
    if (this.node === undefined) return [];
    return groupBindings(this.spec, group, this.node, this.options.interfaces.interfaceOf);
  }

  /** The ENIs whose interface the ip step needs. */
  private routeEnis(group: GroupId): string[] {
    return this.bindings(group).filter((binding) => binding.mode === 'route').map((binding) => binding.eni);
  }

  private save(): void {
    try {
      this.options.records.save(this.records);
      this.saveFailing = false;
    } catch (error) {
      // The records in memory still hold; only a restart would lose them.
      if (!this.saveFailing) this.options.log.error('state file not written; a restart may repeat or miss a hook', { error: (error as Error).message });
      this.saveFailing = true;
    }
  }
}
