import { withTimeout } from '../core/abortable-sleep';
import type { ClusterSpec, GroupId, GroupStatus, Heartbeat, NodeId } from '../core/model';
import type { AgentLogger } from './agent-logger';
import { judgeHandover, type HandoverVerdict, type PeerView } from './handover-gate';

/*
 * The new owner's side of the ordered handover: while another member may still serve a group,
 * its activation waits, re-reading the other members' heartbeats on every poll (the watcher
 * polls quickly while anything waits) and following each one's sequence on this node's own
 * clock: advancing within a failure window means alive. The previous owner is read even when a
 * spec change took it out of the group. Heartbeats that cannot be read hold the activation for
 * the answer time, then count as none. What holds it is logged once per reason, and activating
 * without a member's release (gone, no self-fencing) is a warning.
 */

/** Reads one node's heartbeat; undefined when it has none (or a malformed one). */
export interface PeerReader {
  read(instanceId: string): Promise<Heartbeat | undefined>;
}

export interface HandoverWaitsOptions {
  readonly peers: PeerReader;
  readonly log: AgentLogger;
  readonly clock: () => number;
  readonly readTimeoutMs: number;
  /** How long an agent that is alive takes to answer a new status: read at every check. */
  readonly ackMs: () => number;
  /** The failure window (missed beats × interval): a sequence still that long has stopped. */
  readonly windowMs: () => number;
}

/** One peer's sequence as this node has followed it. */
interface Followed {
  readonly seq: number;
  readonly incarnation: string | undefined;
  /** When this node first read this sequence (its own clock). */
  readonly since: number;
  /** Whether this node has seen the sequence change. */
  readonly changed: boolean;
}

interface Wait {
  readonly epoch: number;
  readonly since: number;
  logged: string;
}

export class HandoverWaits {
  private readonly waits = new Map<GroupId, Wait>();
  private readonly followed = new Map<string, Followed>();

  constructor(private readonly options: HandoverWaitsOptions) {}

  /** Some group's activation is waiting: the watcher polls faster. */
  get waiting(): boolean {
    return this.waits.size > 0;
  }

  /** Nothing waits for `group` any more (it was activated, lost, or left). */
  forget(group: GroupId): void {
    this.waits.delete(group);
    if (this.waits.size === 0) this.followed.clear();
  }

  /** Forgets the waits of every group but these (the node's groups now). */
  keepOnly(groups: readonly GroupId[]): void {
    for (const group of [...this.waits.keys()]) if (!groups.includes(group)) this.forget(group);
  }

  /** Whether `me` may activate `status.group` at `status.epoch` now. */
  async mayActivate(spec: ClusterSpec, me: NodeId, status: GroupStatus): Promise<boolean> {
    const wait = this.waitFor(status);
    const transition = status.lastTransition?.epoch === status.epoch ? status.lastTransition : undefined;
    const peers = await this.readPeers(spec, me, status.group, transition?.from ?? undefined, wait);
    if (peers === undefined) return false;
    const verdict = judgeHandover({
      group: status.group,
      epoch: status.epoch,
      previousOwner: transition?.from ?? undefined,
      previousSilent: transition?.fromSilent === true,
      peers,
      waitedMs: this.options.clock() - wait.since,
      ackMs: this.options.ackMs(),
    });
    this.report(status, wait, verdict);
    if (verdict.clear) this.forget(status.group);
    return verdict.clear;
  }

  private waitFor(status: GroupStatus): Wait {
    const current = this.waits.get(status.group);
    if (current?.epoch === status.epoch) return current;
    const wait = { epoch: status.epoch, since: this.options.clock(), logged: '' };
    this.waits.set(status.group, wait);
    return wait;
  }

  private async readPeers(spec: ClusterSpec, me: NodeId, group: GroupId, previous: NodeId | undefined, wait: Wait): Promise<PeerView[] | undefined> {
    const members = spec.groups.find((g) => g.id === group)?.nodesByPriority ?? [];
    const ids = [...new Set([...members, ...(previous ? [previous] : [])])].filter((node) => node !== me);
    const nodes = ids.flatMap((id) => spec.nodes.filter((n) => n.id === id));
    let beats: (Heartbeat | undefined)[];
    try {
      beats = await withTimeout(Promise.all(nodes.map((node) => this.options.peers.read(node.instanceId))), this.options.readTimeoutMs, "reading the other members' heartbeats");
    } catch (error) {
      this.logOnce(wait, 'unreadable', () =>
        this.options.log.warn("other members' heartbeats unreadable; activation waits", { group, epoch: wait.epoch, error: (error as Error).message }),
      );
      // Past the answer time, what cannot be read counts as nothing said: the rules for silence apply.
      if (this.options.clock() - wait.since < this.options.ackMs()) return undefined;
      beats = nodes.map(() => undefined);
    }
    return nodes.map((node, i) => ({ node: node.id, beat: beats[i], liveness: this.follow(node.instanceId, beats[i]) }));
  }

  /** Follows a peer's sequence on this node's clock: advancing, stalled for a window, or not known yet. */
  private follow(instanceId: string, beat: Heartbeat | undefined): PeerView['liveness'] {
    const now = this.options.clock();
    const before = this.followed.get(instanceId);
    if (beat === undefined) return before === undefined ? 'unknown' : this.judge(before, now);
    const moved = before !== undefined && (beat.seq !== before.seq || beat.incarnation !== before.incarnation);
    const current = before === undefined || moved ? { seq: beat.seq, incarnation: beat.incarnation, since: now, changed: moved } : before;
    this.followed.set(instanceId, current);
    return this.judge(current, now);
  }

  private judge(followed: Followed, now: number): PeerView['liveness'] {
    if (now - followed.since >= this.options.windowMs()) return 'stalled';
    return followed.changed ? 'advancing' : 'unknown';
  }

  private report(status: GroupStatus, wait: Wait, verdict: HandoverVerdict): void {
    const fields = (kinds: readonly string[]) =>
      Object.fromEntries([...verdict.peers].filter(([, state]) => kinds.includes(state.kind)).map(([node, state]) => [node, state.why]));
    const waitedMs = this.options.clock() - wait.since;
    if (!verdict.clear) {
      const holding = fields(['wait']);
      this.logOnce(wait, JSON.stringify(holding), () =>
        this.options.log.info('activation waits for the other members to let go', { group: status.group, epoch: status.epoch, waitedMs, members: holding }),
      );
      return;
    }
    const unconfirmed = fields(['unconfirmed']);
    if (Object.keys(unconfirmed).length > 0) {
      this.options.log.warn('activating without a release from members that may still serve', { group: status.group, epoch: status.epoch, waitedMs, members: unconfirmed });
    } else if (waitedMs > 0) {
      this.options.log.info('the other members let go', { group: status.group, epoch: status.epoch, waitedMs });
    }
  }

  private logOnce(wait: Wait, key: string, log: () => void): void {
    if (wait.logged === key) return;
    wait.logged = key;
    log();
  }
}
