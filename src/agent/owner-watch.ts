import type { ReconcilerWake } from '../aws/lambda/reconciler-wake';
import { abortableSleep, withTimeout } from '../core/abortable-sleep';
import { errorText } from '../core/logger';
import type { ClusterSpec, GroupId, GroupStatus, NodeId } from '../core/model';
import type { AgentLogger } from './agent-logger';
import { groupsOfNode } from './group-bindings';
import { OWNER_LOOKS_PER_INTERVAL as LOOKS_PER_INTERVAL } from '../core/config-rules';

/*
 * A standby watches the owner of each group it stands by in: it reads the owner's heartbeat
 * every quarter interval and, when the owner's sequence has not advanced for more than one and a
 * half intervals, wakes the reconciler (`owner-silent`) at most once per missed-beat window.
 * The reconciler then judges on its own reads; the wake only spares it the wait for its next
 * scheduled run.
 *
 * Silence is measured on this agent's monotonic clock, from when it saw the sequence advance;
 * the owner's `sentAt` is never read, so clock skew between nodes cannot cause wakes. A missing,
 * expired or malformed item is no advance; a read that fails decides nothing.
 */

/** Silence, in heartbeat intervals, after which the owner is worth a wake. */
export const OWNER_SILENCE_INTERVALS = 1.5;

export interface WatchedOwner {
  readonly node: NodeId;
  readonly instanceId: string;
}

/** The owners of the groups `me` is a member of and does not own, each once. */
export function ownersToWatch(spec: ClusterSpec, statuses: ReadonlyMap<GroupId, GroupStatus>, me: NodeId | undefined): WatchedOwner[] {
  if (me === undefined) return [];
  const owners = new Map<NodeId, WatchedOwner>();
  for (const group of groupsOfNode(spec, me)) {
    const owner = statuses.get(group)?.owner;
    const instanceId = spec.nodes.find((node) => node.id === owner)?.instanceId;
    if (owner && owner !== me && instanceId !== undefined) owners.set(owner, { node: owner, instanceId });
  }
  return [...owners.values()];
}

/** What this agent has seen of one owner's beats, on its own clock. */
export interface OwnerSighting {
  /** The highest sequence read; undefined until one was. */
  readonly seq: number | undefined;
  /** When a read first showed that sequence (or when watching began). */
  readonly advancedAt: number;
  /** When the last wake for this owner was due. */
  readonly wokeAt?: number | undefined;
}

export interface OwnerTiming {
  readonly intervalMs: number;
  readonly missedBeats: number;
}

/** Folds in one read: a higher sequence is an advance; none (missing, malformed) is not. */
export function observeOwner(previous: OwnerSighting | undefined, seq: number | undefined, now: number): OwnerSighting {
  if (previous === undefined) return { seq, advancedAt: now };
  if (seq === undefined || (previous.seq !== undefined && seq <= previous.seq)) return previous;
  return { ...previous, seq, advancedAt: now };
}

/** Due: silent for more than 1.5 intervals, and no wake for this owner within the missed-beat window. */
export function ownerWakeDue(sighting: OwnerSighting, now: number, timing: OwnerTiming): boolean {
  const silent = now - sighting.advancedAt > OWNER_SILENCE_INTERVALS * timing.intervalMs;
  const windowMs = timing.missedBeats * timing.intervalMs;
  return silent && (sighting.wokeAt === undefined || now - sighting.wokeAt >= windowMs);
}

export interface OwnerWatchOptions {
  /** The owners to watch now (from the status the ownership watcher last read). */
  readonly owners: () => readonly WatchedOwner[];
  /** The owner's stored sequence; undefined when its item is missing, expired or malformed. */
  readonly readSequence: (instanceId: string) => Promise<number | undefined>;
  readonly timing: () => OwnerTiming;
  readonly wake: ReconcilerWake;
  readonly readTimeoutMs: number;
  readonly log: AgentLogger;
  /** A monotonic clock in milliseconds. @default performance.now */
  readonly clock?: (() => number) | undefined;
}

export class OwnerWatch {
  private readonly sightings = new Map<NodeId, OwnerSighting>();
  private readonly clock: () => number;
  private readFailing = false;

  constructor(private readonly options: OwnerWatchOptions) {
    this.clock = options.clock ?? (() => performance.now());
  }

  /**
   * Looks every quarter interval until `signal` aborts: the wake then comes at most a quarter
   * beat after the silence passes a beat and a half, soon enough for the reconciler to judge the
   * owner a window after its last beat.
   */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = this.clock();
      await this.poll();
      await abortableSleep(this.options.timing().intervalMs / LOOKS_PER_INTERVAL - (this.clock() - started), signal);
    }
  }

  /** One read of every watched owner, and the wakes it calls for. */
  async poll(): Promise<void> {
    const owners = this.options.owners();
    for (const node of this.sightings.keys()) if (!owners.some((owner) => owner.node === node)) this.sightings.delete(node);
    await Promise.all(owners.map((owner) => this.look(owner)));
  }

  private async look(owner: WatchedOwner): Promise<void> {
    let seq: number | undefined;
    try {
      seq = await withTimeout(this.options.readSequence(owner.instanceId), this.options.readTimeoutMs, 'reading the owner\'s heartbeat');
    } catch (error) {
      if (!this.readFailing) this.options.log.warn('owner heartbeat unreadable', { owner: owner.node, error: errorText(error) });
      this.readFailing = true;
      return;
    }
    this.readFailing = false;
    const now = this.clock();
    const timing = this.options.timing();
    const sighting = observeOwner(this.sightings.get(owner.node), seq, now);
    const due = ownerWakeDue(sighting, now, timing);
    this.sightings.set(owner.node, due ? { ...sighting, wokeAt: now } : sighting);
    if (due) this.wakeFor(owner, now - sighting.advancedAt, timing);
  }

  private wakeFor(owner: WatchedOwner, silentMs: number, timing: OwnerTiming): void {
    this.options.log.info('owner silent; waking the reconciler', { owner: owner.node, silentMs: Math.round(silentMs) });
    void this.options.wake.wake({ reason: 'owner-silent', key: `owner-silent:${owner.node}`, minGapMs: timing.missedBeats * timing.intervalMs });
  }
}
