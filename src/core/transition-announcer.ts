import { errorText, silentLogger, type Logger } from './logger';
import type { MetricsSink } from './loop-metrics';
import type { GroupStatus, HistoryEntry } from './model';
import type { FencingToken, HistoryReader, StatePort, TransitionEvents } from './ports';
import { dueEvent, transitionKey, type TransitionEvent } from './transition-events';
import { ReconcilerMetric } from '../names';

/*
 * The outbox of ownership-change events: at least once, never in the way of a failover. It hears
 * the history entries this process commits (`watch` wraps the state port), picks up from the
 * history table the recent transitions another holder recorded, and after each tick sends what is
 * due. A send that fails (the whole call, or entries EventBridge refused) keeps those events for
 * the next tick; one delivered is not sent again by this process. Another process may send it
 * again (a new lease holder re-reads the last `LOOKBACK_MS` of history): consumers dedupe by
 * cluster + group + epoch.
 */

/** How far back a holder looks for transitions it did not record itself. */
export const LOOKBACK_MS = 15 * 60_000;

/** The event code of a delivery that failed (the README's catalog explains it). */
export const EVENT_DELIVERY_FAILED = 'EC2F-N001';

export interface AnnouncerDeps {
  readonly cluster: string;
  readonly events: TransitionEvents;
  /** Recent history, for transitions another holder recorded. @default this process's own entries only */
  readonly history?: HistoryReader | undefined;
  readonly logger?: Logger | undefined;
  readonly metrics?: MetricsSink | undefined;
}

/** What a tick tells the announcer: when, and each group's status (whose epoch may be news). */
export interface TickView {
  readonly at: number;
  readonly statuses: ReadonlyMap<string, GroupStatus>;
}

export class TransitionAnnouncer {
  private readonly waiting = new Map<string, HistoryEntry>();
  private readonly completedAt = new Map<string, number>();
  private readonly newestEpoch = new Map<string, number>();
  private readonly outbox = new Map<string, TransitionEvent>();
  private readonly delivered = new Map<string, number>();
  private readonly lookedUp = new Map<string, number>();
  private readonly log: Logger;
  private sending: Promise<void> | undefined;
  private failing = false;

  constructor(private readonly deps: AnnouncerDeps) {
    this.log = deps.logger ?? silentLogger;
  }

  /** Takes in recorded history entries; only transitions and their completions matter. */
  record(entries: readonly HistoryEntry[]): void {
    for (const entry of entries) {
      const key = transitionKey(entry.group, entry.epoch);
      if (entry.kind === 'phase' && !this.completedAt.has(key) && !this.delivered.has(key)) this.completedAt.set(key, entry.at);
      if (entry.kind !== 'transition' || this.knows(key)) continue;
      this.waiting.set(key, entry);
      this.newestEpoch.set(entry.group, Math.max(entry.epoch, this.newestEpoch.get(entry.group) ?? 0));
    }
  }

  /** The state port, telling this announcer every entry it commits or appends. */
  watch(state: StatePort): StatePort {
    return {
      read: () => state.read(),
      commitStatus: async (group, next, fence: FencingToken, history = []) => {
        const result = await state.commitStatus(group, next, fence, history);
        if (result === 'committed') this.record(history);
        return result;
      },
      appendHistory: async (entries) => {
        await state.appendHistory(entries);
        this.record(entries);
      },
    };
  }

  /** After a tick: picks up transitions recorded elsewhere, then sends what is due. Never throws; one send at a time. */
  afterTick(tick: TickView): Promise<void> {
    if (this.sending) return this.sending;
    this.sending = this.pickUpAndSend(tick).finally(() => (this.sending = undefined));
    return this.sending;
  }

  /** Sends what is due now (the end of a Lambda run, say), waiting for a send under way first. */
  async flush(now: number): Promise<void> {
    await this.sending;
    await this.afterTick({ at: now, statuses: new Map() });
  }

  /** Events due but not yet delivered, oldest first. */
  get undelivered(): readonly TransitionEvent[] {
    return [...this.outbox.values()].sort((a, b) => a.at - b.at);
  }

  private async pickUpAndSend(tick: TickView): Promise<void> {
    await this.pickUp(tick);
    this.moveDue(tick.at);
    await this.send();
    this.forgetOld(tick.at);
  }

  private knows(key: string): boolean {
    return this.waiting.has(key) || this.outbox.has(key) || this.delivered.has(key);
  }

  /** A status whose recent epoch this process never recorded: read that group's recent history. */
  private async pickUp(tick: TickView): Promise<void> {
    if (!this.deps.history) return;
    for (const [group, status] of tick.statuses) {
      const changed = status.lastTransition;
      if (!changed || status.epoch < 1 || this.knows(transitionKey(group, status.epoch))) continue;
      if (tick.at - changed.at > LOOKBACK_MS || this.lookedUp.get(group) === status.epoch) continue;
      try {
        this.record(await this.deps.history.readHistory({ group, since: tick.at - LOOKBACK_MS }));
        this.lookedUp.set(group, status.epoch);
      } catch (error) {
        this.log.warn('history unreadable; ownership-change events of this group are looked up again next tick', { group, error: errorText(error) });
      }
    }
  }

  private moveDue(now: number): void {
    for (const [key, entry] of this.waiting) {
      const superseded = (this.newestEpoch.get(entry.group) ?? 0) > entry.epoch;
      const event = dueEvent(this.deps.cluster, entry, { completedAt: this.completedAt.get(key), superseded, now });
      if (!event) continue;
      this.waiting.delete(key);
      this.outbox.set(key, event);
    }
  }

  private async send(): Promise<void> {
    const events = this.undelivered;
    if (events.length === 0) return;
    let rejected: readonly { key: string; error: string }[];
    try {
      rejected = await this.deps.events.publish(events);
    } catch (error) {
      rejected = events.map((e) => ({ key: e.key, error: errorText(error) }));
    }
    const refused = new Set(rejected.map((r) => r.key));
    for (const event of events) {
      if (refused.has(event.key)) continue;
      this.outbox.delete(event.key);
      this.completedAt.delete(event.key);
      this.delivered.set(event.key, event.at);
    }
    this.report(events.length, rejected);
  }

  /** Logs when deliveries start failing and when they recover; counts every event not delivered. */
  private report(sent: number, rejected: readonly { key: string; error: string }[]): void {
    if (rejected.length > 0) this.deps.metrics?.count(ReconcilerMetric.transitionEventFailures, rejected.length);
    if (rejected.length > 0 && !this.failing) {
      this.log.warn(`ownership-change events not delivered, retried every tick: ${rejected[0]!.error}`, { code: EVENT_DELIVERY_FAILED, events: rejected.map((r) => r.key) });
    }
    if (rejected.length === 0 && this.failing) this.log.info('ownership-change events delivered again', { code: EVENT_DELIVERY_FAILED, resolved: true, events: sent });
    this.failing = rejected.length > 0;
  }

  /** Delivered keys older than the look-back cannot come back from the history: forget them. */
  private forgetOld(now: number): void {
    for (const [key, at] of this.delivered) if (now - at > 2 * LOOKBACK_MS) this.delivered.delete(key);
  }
}
