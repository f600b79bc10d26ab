import type { HealthCheckResult, Heartbeat } from '../core/model';
import { StaleHeartbeatError } from '../aws/dynamodb/errors';
import { DEFAULT_HEARTBEAT_TTL_SECONDS } from '../aws/dynamodb/heartbeat-store';
import { abortableSleep, withTimeout } from '../core/abortable-sleep';
import type { AgentLogger } from './agent-logger';
import { initialSequence, nextBeatDelayMs } from './heartbeat-sequence';

/*
 * Writes this node's heartbeat on a fixed rhythm. A write is never awaited before the next
 * beat is scheduled: a slow or failing DynamoDB call delays nothing, each write has its own
 * time limit, and at most a few are in flight. The last word is a `leaving` beat, written on a
 * planned stop so the control plane moves ownership at once instead of waiting out the window.
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
  /** From the cluster spec, read at every beat so a changed interval applies at once. */
  readonly intervalMs: () => number;
  readonly writeTimeoutMs: number;
  readonly log: AgentLogger;
  readonly clock?: (() => number) | undefined;
  readonly random?: (() => number) | undefined;
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
  private readonly clock: () => number;

  constructor(
    private readonly store: HeartbeatWriter,
    private readonly options: HeartbeatSenderOptions,
  ) {
    this.clock = options.clock ?? Date.now;
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
      await abortableSleep(nextBeatDelayMs(this.options.intervalMs(), this.consecutiveFailures, this.options.random), signal);
    }
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
    if (!this.everWritten) log.info('heartbeating', { seq: heartbeat.seq });
    else if (this.consecutiveFailures > 0) log.info('heartbeats resumed', { seq: heartbeat.seq, failedInARow: this.consecutiveFailures });
    if (heartbeat.leaving) log.info('leaving heartbeat written', { seq: heartbeat.seq });
    this.everWritten = true;
    this.consecutiveFailures = 0;
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
