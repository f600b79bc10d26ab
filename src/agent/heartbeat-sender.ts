import type { GroupId, GroupReport, HealthCheckResult, Heartbeat, ReleaseBounds } from '../core/model';
import { StaleHeartbeatError } from '../aws/dynamodb/errors';
import { DEFAULT_HEARTBEAT_TTL_SECONDS } from '../aws/dynamodb/heartbeat-store';
import { abortableSleep, withTimeout } from '../core/abortable-sleep';
import type { AgentLogger } from './agent-logger';
import { initialSequence, newIncarnation, nextBeatDelayMs } from './heartbeat-sequence';

/*
 * Writes this node's heartbeat on a fixed rhythm. A write is never awaited before the next
 * beat is scheduled: a slow or failing DynamoDB call delays nothing, each write has its own
 * time limit, and at most a few are in flight. The last word is a `leaving` beat, written on a
 * planned stop so the control plane moves ownership at once instead of waiting out the window.
 *
 * After failed writes it backs off, but never past the missed-beat window (less one beat, so the
 * first beat after DynamoDB recovers still lands inside the window the control plane gives it),
 * and a write that succeeds ends the backoff at once: the next beat follows it after one normal
 * interval.
 */

export interface HeartbeatWriter {
  writeHeartbeat(heartbeat: Heartbeat, ttlSeconds?: number): Promise<void>;
  lastSequence(instanceId: string): Promise<number | undefined>;
}

export interface HeartbeatSenderOptions {
  readonly instanceId: string;
  readonly agentVersion: string;
  /** The results to report, read at every beat. */
  readonly checks: () => readonly HealthCheckResult[];
  /** What the node does per group, read at every beat. */
  readonly groups?: (() => Readonly<Record<GroupId, GroupReport>>) | undefined;
  /** The release bounds the node states, read at every beat. */
  readonly release?: (() => ReleaseBounds) | undefined;
  /** From the cluster spec, read at every beat so a changed interval applies at once. */
  readonly intervalMs: () => number;
  /**
   * The spec's `missedBeats`, read at every beat: the backoff stays under `missedBeats × interval`.
   * @default no backoff at all (every beat on the interval), the only rhythm safe for every window
   */
  readonly missedBeats?: (() => number) | undefined;
  /** Written on every beat; a new random id per sender, i.e. per agent start, by default. */
  readonly incarnation?: string | undefined;
  readonly writeTimeoutMs: number;
  readonly log: AgentLogger;
  /** Called with every beat once it is stored (what wakes the reconciler when a beat says something new). */
  readonly onWritten?: ((heartbeat: Heartbeat) => void) | undefined;
  readonly clock?: (() => number) | undefined;
  readonly random?: (() => number) | undefined;
}

/**
 * The longest wait between beats after failures: one missed-beat window less one beat, and never
 * below the interval. Without a known window, no backoff: the interval suits any window.
 */
export function backoffCapMs(intervalMs: number, missedBeats: number | undefined): number {
  if (missedBeats === undefined || !(missedBeats > 1)) return intervalMs;
  return Math.max(intervalMs, (missedBeats - 1) * intervalMs);
}

/** Writes in flight beyond which a beat is skipped rather than piled on a table that does not answer. */
const MAX_IN_FLIGHT = 3;
/** Log every this many failures in a row, after the first. */
const FAILURE_LOG_EVERY = 20;

export class HeartbeatSender {
  private seq = 0;
  private consecutiveFailures = 0;
  private inFlight = 0;
  private leaving = false;
  private everWritten = false;
  /** Aborts the backed-off wait in progress, if any. */
  private endBackoff: (() => void) | undefined;
  private readonly clock: () => number;
  /** What this agent start writes on every beat. */
  readonly incarnation: string;

  constructor(
    private readonly store: HeartbeatWriter,
    private readonly options: HeartbeatSenderOptions,
  ) {
    this.clock = options.clock ?? Date.now;
    this.incarnation = options.incarnation ?? newIncarnation();
  }

  /** The last sequence handed out. */
  get sequence(): number {
    return this.seq;
  }

  /** Picks the starting sequence: above the stored one when it can be read, above the clock always. */
  async initialize(): Promise<void> {
    let stored: number | undefined;
    try {
      stored = await withTimeout(this.store.lastSequence(this.options.instanceId), this.options.writeTimeoutMs, 'reading the last heartbeat');
    } catch (error) {
      this.options.log.warn('last heartbeat sequence unreadable; starting from the clock', { error: (error as Error).message });
    }
    this.seq = initialSequence(stored, this.clock());
  }

  /** Beats until `signal` aborts or `leave` is called. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && !this.leaving) {
      if (this.inFlight < MAX_IN_FLIGHT) void this.beat(false);
      else this.options.log.warn('heartbeat writes not answering; skipping a beat', { inFlight: this.inFlight });
      await this.waitForNextBeat(signal);
    }
  }

  /** The wait before the next beat: the interval (jittered earlier), longer after failures, never past the cap. */
  private nextDelayMs(): { readonly delayMs: number; readonly backingOff: boolean } {
    const intervalMs = this.options.intervalMs();
    const draw = (this.options.random ?? Math.random)();
    const jitter = () => draw;
    const normal = nextBeatDelayMs(intervalMs, 0, jitter);
    const backedOff = Math.min(nextBeatDelayMs(intervalMs, this.consecutiveFailures, jitter), backoffCapMs(intervalMs, this.options.missedBeats?.()));
    return backedOff > normal ? { delayMs: backedOff, backingOff: true } : { delayMs: normal, backingOff: false };
  }

  /**
   * Sleeps until the next beat is due. A write that succeeds during a backed-off wait ends it:
   * the next beat is then one normal interval after that success.
   */
  private async waitForNextBeat(signal: AbortSignal): Promise<void> {
    const { delayMs, backingOff } = this.nextDelayMs();
    if (!backingOff) {
      await abortableSleep(delayMs, signal);
      return;
    }
    const wait = new AbortController();
    const stop = () => wait.abort();
    signal.addEventListener('abort', stop, { once: true });
    this.endBackoff = stop;
    try {
      await abortableSleep(delayMs, wait.signal);
    } finally {
      this.endBackoff = undefined;
      signal.removeEventListener('abort', stop);
    }
    if (wait.signal.aborted && !signal.aborted) await abortableSleep(this.nextDelayMs().delayMs, signal);
  }

  /**
   * One beat now, besides the rhythm: what the node reports has changed (a release a new owner
   * waits for), also while leaving (then a leaving beat). Skipped when writes pile up.
   */
  beatNow(): void {
    if (this.seq === 0 || this.inFlight >= MAX_IN_FLIGHT) return;
    void this.beat(this.leaving);
  }

  /** Stops the rhythm and writes the `leaving` beat, retrying within `budgetMs`; true once one was stored. */
  async leave(budgetMs: number): Promise<boolean> {
    this.leaving = true;
    const deadline = this.clock() + budgetMs;
    for (;;) {
      if (await this.beat(true)) return true;
      if (this.clock() + 200 >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private async beat(leaving: boolean): Promise<boolean> {
    this.seq += 1;
    const heartbeat: Heartbeat = {
      instanceId: this.options.instanceId,
      seq: this.seq,
      sentAt: this.clock(),
      leaving,
      checks: this.options.checks(),
      agentVersion: this.options.agentVersion,
      incarnation: this.incarnation,
      groups: this.options.groups?.(),
      release: this.options.release?.(),
    };
    this.inFlight += 1;
    try {
      await withTimeout(this.store.writeHeartbeat(heartbeat, DEFAULT_HEARTBEAT_TTL_SECONDS), this.options.writeTimeoutMs, 'heartbeat write');
      this.written(heartbeat);
      return true;
    } catch (error) {
      if (error instanceof StaleHeartbeatError) await this.resync(heartbeat.seq);
      else this.failed(error, leaving);
      return false;
    } finally {
      this.inFlight -= 1;
    }
  }

  private written(heartbeat: Heartbeat): void {
    const { log } = this.options;
    if (!this.everWritten) log.info('heartbeating', { seq: heartbeat.seq, incarnation: this.incarnation });
    else if (this.consecutiveFailures > 0) log.info('heartbeats resumed', { seq: heartbeat.seq, failedInARow: this.consecutiveFailures });
    if (heartbeat.leaving) log.info('leaving heartbeat written', { seq: heartbeat.seq });
    this.everWritten = true;
    this.consecutiveFailures = 0;
    // DynamoDB answers again: back to the normal rhythm now, not after the backoff.
    this.endBackoff?.();
    this.options.onWritten?.(heartbeat);
  }

  private failed(error: unknown, leaving: boolean): void {
    this.consecutiveFailures += 1;
    if (leaving || this.consecutiveFailures === 1 || this.consecutiveFailures % FAILURE_LOG_EVERY === 0) {
      this.options.log.warn(leaving ? 'leaving heartbeat not written' : 'heartbeat write failed; still trying', {
        failedInARow: this.consecutiveFailures,
        error: (error as Error).message,
      });
    }
  }

  /** Refused as stale: usually an older beat of ours landing late; else the clock stepped back, so jump past the store. */
  private async resync(refused: number): Promise<void> {
    try {
      const stored = await withTimeout(this.store.lastSequence(this.options.instanceId), this.options.writeTimeoutMs, 'reading the last heartbeat');
      if (stored !== undefined && stored >= this.seq) {
        this.options.log.warn('heartbeat sequence behind the stored one; jumping past it', { refused, stored });
        this.seq = stored;
      }
    } catch (error) {
      this.failed(error, false);
    }
  }
}
