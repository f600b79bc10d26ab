import type { Logger } from './logger';
import type { GroupSpec, GroupStatus, HistoryEntry } from './model';
import type { FencingToken, StatePort } from './ports';

/*
 * The statuses one tick knows, and every conditional write it makes to them. A write that loses
 * (another writer changed the status) leaves the group alone for the rest of the tick; a write
 * refused because the lease moved on fences the whole tick: nothing more may be written or done.
 */
export class StatusLedger {
  private readonly current: Map<string, GroupStatus>;
  private readonly writtenThisTick = new Set<string>();
  private readonly lost: string[] = [];
  private fencedOff = false;

  constructor(
    statuses: ReadonlyMap<string, GroupStatus>,
    private readonly state: StatePort,
    private readonly fence: FencingToken,
    private readonly log: Logger,
  ) {
    this.current = new Map(statuses);
  }

  status(groupId: string): GroupStatus {
    return this.current.get(groupId)!;
  }

  get statuses(): ReadonlyMap<string, GroupStatus> {
    return this.current;
  }

  /** The lease moved on during this tick. */
  get fenced(): boolean {
    return this.fencedOff;
  }

  /** Groups whose write lost this tick. */
  get conflicts(): readonly string[] {
    return this.lost;
  }

  /** This tick wrote the group's status itself, so it is current. */
  wroteThisTick(groupId: string): boolean {
    return this.writtenThisTick.has(groupId);
  }

  /** Whether the group may still be acted on this tick (no lost write, not fenced). */
  usable(groupId: string): boolean {
    return !this.fencedOff && !this.lost.includes(groupId);
  }

  /**
   * Writes `next`, with `history` in the same transaction, if the stored status is still the one
   * `next` follows and the lease still holds; true when written.
   */
  async commit(group: GroupSpec, next: GroupStatus, history: readonly HistoryEntry[] = []): Promise<boolean> {
    if (this.fencedOff) return false;
    const result = await this.state.commitStatus(group, next, this.fence, history);
    if (result === 'committed') {
      this.current.set(group.id, next);
      this.writtenThisTick.add(group.id);
      return true;
    }
    this.lost.push(group.id);
    this.fencedOff ||= result === 'fenced';
    this.log.warn(result === 'fenced' ? 'lease lost; standing down' : 'status changed under us; will re-read next tick', {
      group: group.id,
      epoch: next.epoch,
      result,
    });
    return false;
  }

  /**
   * Proves by a conditional write (version + 1) that a status read but not written this tick is
   * still the newest, before EC2 is touched on its behalf: a reconciler acting on a stale read
   * must not pull traffic back.
   */
  async proveCurrent(group: GroupSpec): Promise<boolean> {
    if (this.wroteThisTick(group.id)) return true;
    const status = this.status(group.id);
    return this.commit(group, { ...status, version: status.version + 1 });
  }
}
