import type { ClusterSpec, GroupSpec, GroupStatus, Heartbeat, HeartbeatRead, HistoryEntry, MalformedHeartbeat } from '../core/model';
import type { CommitResult, FencingToken, HeartbeatPort, StatePort, StoredState } from '../core/ports';

/*
 * The state store and heartbeat table of the in-memory world, with the same conditional-write
 * rules as the DynamoDB store: a status commit needs the previous version and the current
 * lease token; a heartbeat needs a growing sequence. Every committed status is kept so tests
 * can check epochs and owners over the whole run.
 */
export class SimState implements StatePort, HeartbeatPort {
  readonly statuses = new Map<string, GroupStatus>();
  readonly history: HistoryEntry[] = [];
  readonly commits: GroupStatus[] = [];
  readonly heartbeats = new Map<string, Heartbeat>();
  leaseToken = 1;
  /** When set, heartbeat reads fail as DynamoDB would when unreachable. */
  heartbeatReadFailure: string | undefined;
  /** When set, every read and write fails: the store is down (a brownout, a partition). */
  storeFailure: string | undefined;
  /** Items of the heartbeats table that fail validation, as the store reports them. */
  readonly malformed: MalformedHeartbeat[] = [];

  constructor(public spec: ClusterSpec) {}

  async read(): Promise<StoredState> {
    if (this.storeFailure) throw new Error(this.storeFailure);
    return { spec: this.spec, statuses: new Map(this.statuses) };
  }

  async commitStatus(group: GroupSpec, next: GroupStatus, fence: FencingToken, history: readonly HistoryEntry[] = []): Promise<CommitResult> {
    if (this.storeFailure) throw new Error(this.storeFailure);
    if (fence.token !== this.leaseToken) return 'fenced';
    const current = this.statuses.get(group.id);
    if ((current?.version ?? 0) !== next.version - 1) return 'conflict';
    this.statuses.set(group.id, next);
    this.commits.push(next);
    this.history.push(...history);
    return 'committed';
  }

  async appendHistory(entries: readonly HistoryEntry[]): Promise<void> {
    this.history.push(...entries);
  }

  async readHeartbeats(): Promise<HeartbeatRead> {
    const failure = this.storeFailure ?? this.heartbeatReadFailure;
    if (failure) throw new Error(failure);
    return { beats: [...this.heartbeats.values()], malformed: [...this.malformed] };
  }

  writeHeartbeat(heartbeat: Heartbeat): boolean {
    if (this.storeFailure) return false;
    const current = this.heartbeats.get(heartbeat.instanceId);
    if (current && current.seq >= heartbeat.seq) return false;
    this.heartbeats.set(heartbeat.instanceId, heartbeat);
    return true;
  }

  /** What the CLI will do: record a request for the loop to carry out. */
  request(groupId: string, request: NonNullable<GroupStatus['request']>): void {
    const current = this.statuses.get(groupId);
    if (!current) throw new Error(`group ${groupId} has no status yet`);
    const next = { ...current, request, version: current.version + 1 };
    this.statuses.set(groupId, next);
  }
}
