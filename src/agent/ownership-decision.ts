import type { GroupStatus, NodeId } from '../core/model';
import type { ResourceBinding } from './group-bindings';

/*
 * What a node does about one group, given the status it just read and what it last did.
 * Pure, so every case is a unit test. The rules:
 *  - a status older than the newest epoch this node has acted on is stale: ignored;
 *  - becoming the owner at a newer epoch activates, once;
 *  - still the owner at the same epoch after standing down (a graceful leave, a self-fence, a
 *    restart after a reboot) activates again: the control plane still routes traffic here;
 *  - a failed activation is retried only after `retryMs`, and only while still the owner;
 *  - not the owner while active (or after a failed activation) deactivates, once;
 *  - the first sight of a group this node does not own deactivates once, so a node never keeps
 *    an address it does not own after a reinstall or a reboot.
 */

/** `failed`: the last activation failed; the node reports itself unhealthy until it clears. */
export type GroupRole = 'active' | 'standby' | 'failed';

/** What the agent last did for a group; kept in the state file across restarts. */
export interface GroupRecord {
  /** The epoch of the status this node last acted on. */
  readonly epoch: number;
  readonly role: GroupRole;
  /** When the role was recorded (agent clock, ms): paces retries of a failed activation. */
  readonly at: number;
  /** What the activation brought up, so deactivation undoes exactly that even if the spec changed since. */
  readonly bindings?: readonly ResourceBinding[] | undefined;
  /** Why the last activation failed. */
  readonly failure?: string | undefined;
}

export type ActivateReason = 'became-owner' | 'still-owner' | 'retry';
export type DeactivateReason = 'lost-ownership' | 'first-sight' | 'not-a-member' | 'self-fence' | 'leaving';

export type GroupStep =
  | { readonly kind: 'none'; readonly why: 'no-status' | 'stale' | 'steady' | 'retry-later' }
  /** Nothing to run, but the newer epoch is worth remembering. */
  | { readonly kind: 'record'; readonly record: GroupRecord }
  | { readonly kind: 'activate'; readonly reason: ActivateReason; readonly epoch: number }
  | { readonly kind: 'deactivate'; readonly reason: DeactivateReason; readonly epoch: number };

export interface StepInput {
  readonly record: GroupRecord | undefined;
  readonly status: Pick<GroupStatus, 'owner' | 'epoch'> | undefined;
  readonly me: NodeId;
  readonly now: number;
  readonly retryMs: number;
}

export function decideGroupStep({ record, status, me, now, retryMs }: StepInput): GroupStep {
  if (status === undefined) return { kind: 'none', why: 'no-status' };
  if (record !== undefined && status.epoch < record.epoch) return { kind: 'none', why: 'stale' };
  const epoch = status.epoch;

  if (status.owner === me) {
    if (record === undefined || epoch > record.epoch) return { kind: 'activate', reason: 'became-owner', epoch };
    if (record.role === 'standby') return { kind: 'activate', reason: 'still-owner', epoch };
    if (record.role === 'failed') return now - record.at >= retryMs ? { kind: 'activate', reason: 'retry', epoch } : { kind: 'none', why: 'retry-later' };
    return { kind: 'none', why: 'steady' };
  }

  if (record === undefined) return { kind: 'deactivate', reason: 'first-sight', epoch };
  if (record.role !== 'standby') return { kind: 'deactivate', reason: 'lost-ownership', epoch };
  if (epoch > record.epoch) return { kind: 'record', record: { ...record, epoch } };
  return { kind: 'none', why: 'steady' };
}
