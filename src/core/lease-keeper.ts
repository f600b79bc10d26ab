import { errorText, type Logger } from './logger';
import type { LivenessBaselines } from './model';
import type { FencingToken, LeaseAcquisition, LeasePort } from './ports';

/*
 * Holding the reconcile lease, as client-go's leader election does: acquire, renew, release,
 * and a signal that fires as soon as the lease may be lost. Timing comes from the injected clock
 * and sleep only, so tests run it on simulated time.
 */

export interface LeaseKeeperDeps {
  readonly lease: LeasePort;
  readonly clock: () => number;
  /** A clock no one can set (performance.now): a pause of the process shows on it as time gone by. @default performance.now */
  readonly monotonic?: (() => number) | undefined;
  /** Waits `ms` unless `wake` aborts first; never rejects. */
  readonly sleep: (ms: number, wake: AbortSignal) => Promise<void>;
  readonly logger: Logger;
}

export type Acquired = Extract<LeaseAcquisition, { acquired: true }>;
export type Standby = Extract<LeaseAcquisition, { acquired: false }>;

export class LeaseKeeper {
  private held: FencingToken | undefined;
  private lostController = new AbortController();
  /** Monotonic time until which the lease is proven held, margin taken off. */
  private provenUntil = -Infinity;

  constructor(
    private readonly deps: LeaseKeeperDeps,
    private readonly holder: string,
  ) {}

  /** The fencing token while held. */
  get fence(): FencingToken | undefined {
    return this.held;
  }

  /** Aborts when the lease may have been lost (a renewal refused); renewed on each acquisition. */
  get mayBeLost(): AbortSignal {
    return this.lostController.signal;
  }

  /**
   * Proven by this process's own monotonic clock: the lease was granted or renewed for `ttl` no
   * earlier than the moment the request was sent, so it cannot have expired before that moment
   * plus `ttl`; a third of the ttl is kept back for the send time of the call about to be made.
   * A process paused (a GC pause, a frozen VM, a stalled Lambda) past that point proves nothing.
   */
  holdsLease(): boolean {
    return this.held !== undefined && this.monotonic() < this.provenUntil;
  }

  /** One attempt; throws when the lease store cannot be reached (then nothing is known). */
  async tryAcquire(ttlMs: number): Promise<Acquired | Standby> {
    const sentAt = this.monotonic();
    const acquisition = await this.deps.lease.acquire(this.holder, ttlMs, this.deps.clock());
    if (acquisition.acquired) {
      this.held = acquisition.fence;
      this.lostController = new AbortController();
      this.provenUntil = sentAt + provenMs(ttlMs);
    }
    return acquisition;
  }

  private monotonic(): number {
    return (this.deps.monotonic ?? performance.now.bind(performance))();
  }

  /** Extends the lease, saving the baselines; 'lost' when another holder has it, 'unknown' when the store did not answer. */
  async renew(ttlMs: number, baselines: LivenessBaselines): Promise<'renewed' | 'lost' | 'unknown'> {
    const fence = this.held;
    if (!fence) return 'lost';
    try {
      const sentAt = this.monotonic();
      const { renewed } = await this.deps.lease.renew(fence, ttlMs, this.deps.clock(), baselines);
      if (renewed) {
        this.provenUntil = sentAt + provenMs(ttlMs);
        return 'renewed';
      }
      this.standDown();
      return 'lost';
    } catch (error) {
      this.deps.logger.warn('lease renewal failed; will retry', { error: errorText(error) });
      return 'unknown';
    }
  }

  /**
   * Runs `work` while renewing the lease every third of its time-to-live: a tick may outlast the
   * lease while EC2 is slow, and a standby must not take over meanwhile. A refused renewal fires
   * `mayBeLost` at once.
   */
  async keepAliveDuring<T>(work: Promise<T>, ttlMs: number, baselines: () => LivenessBaselines): Promise<T> {
    const done = new AbortController();
    const renewing = (async () => {
      for (;;) {
        await this.deps.sleep(ttlMs / 3, done.signal);
        if (done.signal.aborted || !this.held) return;
        await this.renew(ttlMs, baselines());
      }
    })();
    try {
      return await work;
    } finally {
      done.abort();
      await renewing;
    }
  }

  /** Saves the baselines and lets the next loop in at once; a failure only means the lease expires on its own. */
  async release(ttlMs: number, baselines: LivenessBaselines): Promise<void> {
    const fence = this.held;
    if (!fence) return;
    this.held = undefined;
    this.provenUntil = -Infinity;
    try {
      await this.deps.lease.renew(fence, ttlMs, this.deps.clock(), baselines);
      await this.deps.lease.release(fence);
      this.deps.logger.info('lease released', { token: fence.token });
    } catch (error) {
      this.deps.logger.warn('lease release failed; it will expire on its own', { error: errorText(error) });
    }
  }

  /** Forget the lease: it moved on (a fenced write or a refused renewal). */
  standDown(): void {
    if (this.held) this.deps.logger.warn('lease lost to another loop; standing down', { token: this.held.token });
    this.held = undefined;
    this.provenUntil = -Infinity;
    this.lostController.abort();
  }
}

/** How long after sending an acquire or renew the holder may act: the ttl less a third, kept back for a call's own send time. */
export function provenMs(ttlMs: number): number {
  return ttlMs - ttlMs / 3;
}
