import type { GroupId, Heartbeat, NodeId } from '../core/model';

/*
 * The ordered handover: a new owner activates only once no other member can still be serving
 * the group. Pure, so every case is a unit test. Each other member of the group is, by what its
 * own heartbeat last said and whether its heartbeat sequence still advances (as this node sees
 * it, on its own clock):
 *  - clear when it reports standby at this epoch or later (it has acted on the new status), or
 *    at any epoch when it was not the previous owner or is leaving (it serves nothing and will
 *    only serve again on a newer status naming it), or when it never reported the group and was
 *    not the previous owner;
 *  - waited for while it reports its deactivation under way (`releasing`, at any epoch), or
 *    while its heartbeat advances (it is alive, if busy with other hooks), each as long as the
 *    bound it states for letting go;
 *  - gone when its heartbeat has not advanced for a failure window, or when it is the previous
 *    owner and the control plane saw its heartbeat stall (and it has not advanced since), or when
 *    nothing of it can be read. A gone member with self-fencing stands down within the fence
 *    bound it states, so that long is waited; one without self-fencing is not waited for: a
 *    crashed owner cannot answer, and that is the one window in which two nodes may serve.
 */

export interface PeerView {
  readonly node: NodeId;
  /** Its heartbeat as read now; undefined when there is none or it is malformed. */
  readonly beat: Heartbeat | undefined;
  /** Its sequence advanced within a failure window, stood still that long, or cannot tell yet. */
  readonly liveness: 'advancing' | 'stalled' | 'unknown';
}

export interface HandoverInput {
  readonly group: GroupId;
  /** The epoch this node owns the group at. */
  readonly epoch: number;
  /** The owner before this epoch, when the status says so. */
  readonly previousOwner: NodeId | undefined;
  /** The control plane saw the previous owner's heartbeat stall when it moved the group. */
  readonly previousSilent: boolean;
  readonly peers: readonly PeerView[];
  /** Since this node first saw itself owner at `epoch` (its own clock). */
  readonly waitedMs: number;
  /** How long an agent that is alive takes to answer a new status. */
  readonly ackMs: number;
}

export type PeerState =
  | { readonly kind: 'clear'; readonly why: string }
  | { readonly kind: 'wait'; readonly why: string }
  /** Activating without this member's release: it has no self-fencing and gave no sign. */
  | { readonly kind: 'unconfirmed'; readonly why: string };

export interface HandoverVerdict {
  readonly clear: boolean;
  /** Per other member, what holds it (or what cleared it). */
  readonly peers: ReadonlyMap<NodeId, PeerState>;
}

export function judgeHandover(input: HandoverInput): HandoverVerdict {
  const peers = new Map<NodeId, PeerState>();
  for (const peer of input.peers) peers.set(peer.node, judgePeer(input, peer));
  return { clear: [...peers.values()].every((state) => state.kind !== 'wait'), peers };
}

function judgePeer(input: HandoverInput, peer: PeerView): PeerState {
  const { epoch, waitedMs, ackMs } = input;
  const groups = peer.beat?.groups;
  const report = groups !== undefined && Object.hasOwn(groups, input.group) ? groups[input.group] : undefined;
  const previous = peer.node === input.previousOwner;
  if (report?.role === 'standby' && (report.epoch >= epoch || !previous || peer.beat?.leaving === true)) {
    return { kind: 'clear', why: `reports standby at epoch ${report.epoch}${peer.beat?.leaving ? ', leaving' : ''}` };
  }
  if (report === undefined && !previous) return { kind: 'clear', why: 'never reported serving the group' };
  const boundMs = ackMs + (peer.beat?.release?.deactivateMs ?? 0);
  if (report?.role === 'releasing') {
    if (waitedMs < boundMs) return { kind: 'wait', why: `deactivating for epoch ${report.epoch}` };
    return gone(peer, waitedMs, `still deactivating after ${waitedMs} ms`);
  }
  if (peer.beat === undefined) {
    return previous && input.previousSilent ? gone(peer, waitedMs, 'its heartbeat had stalled') : waitedMs >= ackMs ? gone(peer, waitedMs, 'no heartbeat to read') : { kind: 'wait', why: 'no heartbeat yet' };
  }
  const says = report ? `reports ${report.role} at epoch ${report.epoch}` : 'has not reported the group';
  if (peer.liveness === 'advancing') {
    if (waitedMs < boundMs) return { kind: 'wait', why: `${says}; alive` };
    return { kind: 'unconfirmed', why: `${says}, alive but not letting go after ${waitedMs} ms` };
  }
  if (peer.liveness === 'stalled') return gone(peer, waitedMs, `${says}; its heartbeat stopped`);
  if (previous && input.previousSilent) return gone(peer, waitedMs, `${says}; its heartbeat had stalled`);
  return { kind: 'wait', why: `${says}; watching its heartbeat` };
}

/** A member that cannot answer: its self-fencing bound, if it has one, is all that can be waited for. */
function gone(peer: PeerView, waitedMs: number, why: string): PeerState {
  const fenceMs = peer.beat?.release?.fenceMs;
  if (fenceMs === undefined) return { kind: 'unconfirmed', why: `${why}; no self-fencing` };
  if (waitedMs >= fenceMs) return { kind: 'clear', why: `${why}; self-fenced within ${fenceMs} ms` };
  return { kind: 'wait', why: `${why}; waiting out its self-fencing (${fenceMs} ms)` };
}
