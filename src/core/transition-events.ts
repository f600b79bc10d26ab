import type { GroupId, HistoryEntry, NodeId } from './model';

/*
 * Ownership changes as events others can hook, derived from the history alone: one event per
 * transition (group + epoch), built from its `transition` entry (written in the transaction that
 * commits the new owner) and, once every route and Elastic IP is on the new owner, its `phase`
 * entry (written with the `steady` commit), which gives the seconds the move took. So no event is
 * announced for a transition that was not recorded.
 *
 * An event is due when its completion is recorded, when a newer transition of the group is
 * recorded first, or `COMPLETION_WAIT_MS` after the decision; the last two carry `seconds: null`.
 */

export const TRANSITION_EVENT_SOURCE = 'ec2-failover';
export const TRANSITION_EVENT_DETAIL_TYPE = 'Ownership Changed';

/** How long an event waits for its failover to complete before it goes out with `seconds: null`. */
export const COMPLETION_WAIT_MS = 30_000;

export interface TransitionEventDetail {
  readonly cluster: string;
  readonly group: GroupId;
  readonly from: NodeId | null;
  readonly to: NodeId;
  readonly epoch: number;
  readonly reason: string;
  /** From the decision to every route and Elastic IP of the group on `to`; null when not recorded. */
  readonly seconds: number | null;
}

export interface TransitionEvent {
  /** `group#epoch`: what consumers dedupe by (with the cluster). */
  readonly key: string;
  /** When ownership changed (the decision), ms since the epoch. */
  readonly at: number;
  readonly detail: TransitionEventDetail;
}

export function transitionKey(group: GroupId, epoch: number): string {
  return `${group}#${epoch}`;
}

/** The owner change a `transition` entry records; undefined for any other entry or one missing its fields. */
export function ownerChangeOf(entry: HistoryEntry): { from: NodeId | null; to: NodeId; reason: string } | undefined {
  if (entry.kind !== 'transition' || entry.epoch < 1) return undefined;
  const details = entry.details ?? {};
  const { from, to, reason } = details as { from?: unknown; to?: unknown; reason?: unknown };
  if (typeof to !== 'string' || typeof reason !== 'string') return undefined;
  return { from: typeof from === 'string' ? from : null, to, reason };
}

export interface DueContext {
  /** When the transition's `phase` entry was recorded, if it was. */
  readonly completedAt?: number | undefined;
  /** A newer transition of the group is recorded. */
  readonly superseded: boolean;
  readonly now: number;
}

/** The event of a `transition` entry once it is due; undefined while it still waits for its completion. */
export function dueEvent(cluster: string, entry: HistoryEntry, context: DueContext): TransitionEvent | undefined {
  const change = ownerChangeOf(entry);
  if (!change) return undefined;
  const completed = context.completedAt !== undefined;
  if (!completed && !context.superseded && context.now - entry.at < COMPLETION_WAIT_MS) return undefined;
  const seconds = completed ? Math.max(0, Math.round(context.completedAt! - entry.at)) / 1000 : null;
  return {
    key: transitionKey(entry.group, entry.epoch),
    at: entry.at,
    detail: { cluster, group: entry.group, from: change.from, to: change.to, epoch: entry.epoch, reason: change.reason, seconds },
  };
}
