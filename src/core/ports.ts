import type {
  Action,
  ActionOutcome,
  ClusterSpec,
  CloudObservation,
  GroupSpec,
  GroupStatus,
  HeartbeatRead,
  HistoryEntry,
  LivenessBaselines,
  NodeSignal,
  Tunables,
} from './model';
import type { TransitionEvent } from './transition-events';

/*
 * The narrow ports through which the reconcile reaches the world. The AWS adapters in
 * src/aws implement them for real; src/sim implements them in memory.
 */

/** EC2 as the engine sees it: one observation of everything protected, and idempotent actions. */
export interface CloudPort {
  /** Few calls, constant in the number of resources; failures come back as unknown observations, not throws. */
  observe(spec: ClusterSpec, options?: ObserveOptions): Promise<CloudObservation>;
  /** Runs actions in parallel (within rate limits); each outcome is ok, unknown or terminal, never a throw. */
  execute(actions: readonly Action[], tunables: Tunables, options?: ExecuteOptions): Promise<ActionOutcome[]>;
}

export interface ObserveOptions {
  /** No call or retry goes on past this time (the runner's own deadline); what is left is unknown. */
  readonly deadline?: number | undefined;
}

export interface ExecuteOptions {
  /** No call or retry goes on past this time; an action not done by then is unknown, and carried on next run. */
  readonly deadline?: number | undefined;
  /**
   * Asked immediately before every mutating call: false means the caller may have lost its lease
   * or the action's epoch is no longer current, and the call is not made (outcome unknown).
   */
  readonly mayAct?: ((action: Action) => boolean) | undefined;
}

/** Proof that the writer holds the reconcile lease; writes with a stale token are refused. */
export interface FencingToken {
  readonly holder: string;
  readonly token: number;
}

export type CommitResult = 'committed' | 'conflict' | 'fenced';

export interface StoredState {
  readonly spec: ClusterSpec;
  /** Groups without a status item yet are absent. */
  readonly statuses: ReadonlyMap<string, GroupStatus>;
  /**
   * The node events recorded beside the state, read in the same request (the newest per instance
   * and per alarm, none past its expiry); absent where the store keeps them apart (SignalPort).
   */
  readonly signals?: readonly StoredSignal[] | undefined;
}

export interface StatePort {
  read(): Promise<StoredState>;
  /**
   * Writes `next` for every resource of the group at once, only if the stored version is still
   * `next.version - 1` (or absent when that is 0) and `fence` still holds the lease; `history`
   * is written in the same transaction, so a committed epoch always has its entries.
   */
  commitStatus(group: GroupSpec, next: GroupStatus, fence: FencingToken, history?: readonly HistoryEntry[]): Promise<CommitResult>;
  appendHistory(entries: readonly HistoryEntry[]): Promise<void>;
}

export interface HeartbeatPort {
  /** Never throws for one bad item: such items come back in `malformed`, the rest in `beats`. */
  readHeartbeats(): Promise<HeartbeatRead>;
}

export type LeaseAcquisition =
  | {
      readonly acquired: true;
      readonly fence: FencingToken;
      readonly expiresAt: number;
      /** What the previous holder last saved: a handover neither kills a live node nor revives a dead one. */
      readonly baselines: LivenessBaselines;
      readonly tookOver: boolean;
      readonly previousHolder?: string | undefined;
      /** The previous holder released the lease (a clean stop) rather than letting it expire (a crash, a pause). */
      readonly previousReleased?: boolean | undefined;
    }
  | { readonly acquired: false; readonly holder: string; readonly token: number; readonly expiresAt: number };

/** One reconcile loop at a time: whoever takes the lease over gets a bigger fencing token. */
export interface LeasePort {
  acquire(holder: string, ttlMs: number, now: number): Promise<LeaseAcquisition>;
  /** Extends the lease if `fence` still holds it, saving the baselines in the same write. */
  renew(fence: FencingToken, ttlMs: number, now: number, baselines?: LivenessBaselines): Promise<{ readonly renewed: boolean }>;
  /** Lets the next loop in at once. */
  release(fence: FencingToken): Promise<unknown>;
}

/** A node event recorded by whoever received it (the events Lambda), for the loop to pick up. */
export interface StoredSignal {
  readonly signal: NodeSignal;
  /**
   * When the event happened, in ms since the epoch: EventBridge's `time` (whole seconds), not
   * when it arrived. Signals are ordered by it and weighed against EC2 observations by it.
   */
  readonly at: number;
}

export interface SignalPort {
  /** Keeps the signal unless one of the same instance or alarm at least as new is stored. */
  recordSignal(signal: StoredSignal): Promise<void>;
  /** The newest signal per instance and per alarm, leaving out those past their expiry. */
  readSignals(): Promise<readonly StoredSignal[]>;
}

/** Where ownership changes are announced: the account's default EventBridge bus, or a JSON-lines file. */
export interface TransitionEvents {
  /**
   * Sends every event; resolves with those not accepted (EventBridge's per-entry failures), and
   * rejects when the whole call failed. Either way the caller keeps the rest and tries again.
   */
  publish(events: readonly TransitionEvent[]): Promise<readonly RejectedTransitionEvent[]>;
}

export interface RejectedTransitionEvent {
  readonly key: string;
  readonly error: string;
}

/** The history as written, for picking up transitions another holder recorded. */
export interface HistoryReader {
  /** One group's entries recorded at or after `since` (ms), oldest first. */
  readHistory(query: { readonly group: string; readonly since: number }): Promise<readonly HistoryEntry[]>;
}
