import { withTimeout } from '../core/abortable-sleep';
import type { ClusterSpec, GroupId, GroupStatus, Heartbeat, NodeId } from '../core/model';
import type { AgentLogger } from './agent-logger';
import { judgeHandover, type HandoverVerdict, type PeerView } from './handover-gate';

/*
 * The new owner's side of the ordered handover: while another member may still serve a group,
 * its activation waits, re-reading the other members' heartbeats on every poll (the watcher
 * polls quickly while anything waits). What holds it is logged once per reason, and when it
 * activates without a member's release (gone, no self-fencing) that is a warning.
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
}

interface Wait {
  readonly epoch: number;
  readonly since: number;
  logged: string;
}

export class HandoverWaits {
  private readonly waits = new Map<GroupId, Wait>();

  constructor(private readonly options: HandoverWaitsOptions) {}

  /** Some group's activation is waiting: the watcher polls faster. */
  get waiting(): boolean {
    return this.waits.size > 0;
  }

  /** Nothing waits for `group` any more (it was activated, lost, or left). */
  forget(group: GroupId): void {
    this.waits.delete(group);
  }

  /** Whether `me` may activate `status.group` at `status.epoch` now. */
  async mayActivate(spec: ClusterSpec, me: NodeId, status: GroupStatus): Promise<boolean> {
    const wait = this.waitFor(status);
    const peers = await this.readPeers(spec, me, status.group, wait);
    if (peers === undefined) return false;
    const transition = status.lastTransition?.epoch === status.epoch ? status.lastTransition : undefined;
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
    if (verdict.clear) this.waits.delete(status.group);
    return verdict.clear;
  }

  private waitFor(status: GroupStatus): Wait {
    const current = this.waits.get(status.group);
    if (current?.epoch === status.epoch) return current;
    const wait = { epoch: status.epoch, since: this.options.clock(), logged: '' };
    this.waits.set(status.group, wait);
    return wait;
  }

  private async readPeers(spec: ClusterSpec, me: NodeId, group: GroupId, wait: Wait): Promise<PeerView[] | undefined> {
    const members = spec.groups.find((g) => g.id === group)?.nodesByPriority.filter((node) => node !== me) ?? [];
    const nodes = members.flatMap((id) => spec.nodes.filter((n) => n.id === id));
    try {
      const beats = await withTimeout(
        Promise.all(nodes.map((node) => this.options.peers.read(node.instanceId))),
        this.options.readTimeoutMs,
        "reading the other members' heartbeats",
      );
      return nodes.map((node, i) => ({ node: node.id, beat: beats[i] }));
    } catch (error) {
      this.logOnce(wait, 'unreadable', () =>
        this.options.log.warn("other members' heartbeats unreadable; activation waits", { group, epoch: wait.epoch, error: (error as Error).message }),
      );
      return undefined;
    }
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
