import { abortableSleep } from './abortable-sleep';
import { applyNodeSignal, parseNodeEvent } from './events';
import type { ClusterSpec, NodeSignal } from './model';
import type { FencingToken, LeasePort, SignalPort, StoredSignal } from './ports';
import { newMemory, reconcileOnce, silentLogger, type ReconcileDeps, type ReconcileReport } from './reconcile';

/*
 * The reconcile loop every runner shares (the controller process, the reconciler Lambda):
 * hold the lease, tick every `checkIntervalSeconds`, read EC2 every drift-check interval and at
 * once after any decision or event, and stop cleanly before the deadline, releasing the lease
 * with the liveness baselines so the next run takes over without a gap.
 */

export interface LoopDeps extends ReconcileDeps {
  readonly lease: LeasePort;
  /** Where an events receiver in another process records node events (the events Lambda). */
  readonly signals?: SignalPort | undefined;
  /** Waits `ms` unless woken or aborted first. */
  readonly sleep?: ((ms: number, wake: AbortSignal) => Promise<void>) | undefined;
}

export interface LoopOptions {
  /** Unique per process: a Lambda request id, or host + pid. */
  readonly holder: string;
  readonly signal: AbortSignal;
  /** Clock time (ms) by which the loop must have stopped and released the lease. */
  readonly deadline?: number | undefined;
  /** Stop this long before the deadline: one tick's EC2 calls must fit. @default 2 × apiCallTimeout + check interval */
  readonly stopMarginMs?: number | undefined;
  /** Lease time-to-live. @default 3 × checkIntervalSeconds, at least 1 s */
  readonly leaseTtlMs?: number | undefined;
}

export interface LoopSummary {
  readonly ticks: number;
  readonly transitions: number;
  readonly heldLease: boolean;
  readonly stoppedBecause: 'aborted' | 'deadline';
}

const defaultSleep = abortableSleep;

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class ReconcileLoop {
  private readonly memory = newMemory();
  private readonly pending: StoredSignal[] = [];
  private wake = new AbortController();
  private spec: ClusterSpec | undefined;
  /** Recorded signals already applied, by instance or alarm, so each is applied once. */
  private readonly seenSignals = new Map<string, number>();

  constructor(
    private readonly deps: LoopDeps,
    private readonly options: LoopOptions,
  ) {}

  /** Hands the loop an EventBridge event (EC2 state change, alarm); it is judged on the next tick, at once. */
  notify(event: unknown): NodeSignal {
    const signal = parseNodeEvent(event);
    this.pending.push({ signal, at: this.deps.clock() });
    this.wake.abort();
    return signal;
  }

  async run(): Promise<LoopSummary> {
    const { deps, options } = this;
    const log = deps.logger ?? silentLogger;
    const sleep = deps.sleep ?? defaultSleep;
    const onAbort = () => this.wake.abort();
    options.signal.addEventListener('abort', onAbort);

    let fence: FencingToken | undefined;
    let heldLease = false;
    let ticks = 0;
    let transitions = 0;
    let forceObserve = true;
    let waitingFor: string | undefined;

    const intervalMs = () => (this.spec?.defaults.checkIntervalSeconds ?? 1) * 1000;
    const ttlMs = () => options.leaseTtlMs ?? Math.max(1000, 3 * intervalMs());
    const marginMs = () =>
      options.stopMarginMs ?? 2 * (this.spec?.defaults.tunables.apiCallTimeoutSeconds ?? 3) * 1000 + intervalMs();
    const timeLeft = () => (options.deadline === undefined ? Infinity : options.deadline - deps.clock() - marginMs());

    try {
      while (!options.signal.aborted && timeLeft() > 0) {
        const tickStart = deps.clock();
        if (this.wake.signal.aborted) this.wake = new AbortController();

        if (!fence) {
          let acquisition;
          try {
            if (!this.spec) this.spec = (await deps.state.read()).spec;
            acquisition = await deps.lease.acquire(options.holder, ttlMs(), tickStart);
          } catch (error) {
            log.warn('lease unavailable; trying again next tick', { error: errorText(error) });
            await sleep(intervalMs(), this.wake.signal);
            continue;
          }
          if (!acquisition.acquired) {
            if (waitingFor !== acquisition.holder) log.info('standing by: lease held by another loop', { holder: acquisition.holder });
            waitingFor = acquisition.holder;
            await sleep(Math.min(intervalMs(), Math.max(10, acquisition.expiresAt - deps.clock())), this.wake.signal);
            continue;
          }
          fence = acquisition.fence;
          heldLease = true;
          waitingFor = undefined;
          this.memory.baselines = acquisition.baselines;
          this.memory.observation = undefined;
          forceObserve = true;
          log.info('lease acquired', { holder: fence.holder, token: fence.token, tookOver: acquisition.tookOver, previousHolder: acquisition.previousHolder });
        }

        await this.collectRecordedSignals(log);
        if (this.spec) forceObserve = this.applyPendingSignals(this.spec) || forceObserve;

        let report: ReconcileReport | undefined;
        // A tick can outlast the lease while EC2 is slow (observation is bounded by the
        // quick-check timeout): keep the lease alive meanwhile, or a standby would take over
        // and fence every write of this tick.
        const heldFence = fence;
        const keepAlive = setInterval(() => {
          deps.lease.renew(heldFence, ttlMs(), deps.clock(), this.memory.baselines).catch(() => undefined);
        }, ttlMs() / 3);
        try {
          report = await reconcileOnce(deps, this.memory, { fence, forceObserve });
          this.spec = report.spec;
          ticks += 1;
          transitions += report.transitions.length;
          forceObserve = report.unsettled;
        } catch (error) {
          // The state store could not be read or written: nothing is known, so nothing moves.
          log.warn('reconcile failed; state unknown this tick', { error: errorText(error) });
          forceObserve = true;
        } finally {
          clearInterval(keepAlive);
        }

        if (report?.fenced) {
          log.warn('lease lost to another loop; standing down', { token: fence.token });
          fence = undefined;
          continue;
        }
        try {
          const renewal = await deps.lease.renew(fence, ttlMs(), deps.clock(), this.memory.baselines);
          if (!renewal.renewed) {
            log.warn('lease lost to another loop; standing down', { token: fence.token });
            fence = undefined;
            continue;
          }
        } catch (error) {
          log.warn('lease renewal failed; will retry', { error: errorText(error) });
        }

        if (this.pending.length > 0 && this.spec) continue;
        const nextTick = tickStart + intervalMs();
        const wait = Math.min(nextTick - deps.clock(), timeLeft());
        if (wait > 0) await sleep(wait, this.wake.signal);
      }
    } finally {
      options.signal.removeEventListener('abort', onAbort);
      if (fence) {
        try {
          await deps.lease.renew(fence, ttlMs(), deps.clock(), this.memory.baselines);
          await deps.lease.release(fence);
          log.info('lease released', { token: fence.token });
        } catch (error) {
          log.warn('lease release failed; it will expire on its own', { error: errorText(error) });
        }
      }
    }
    return { ticks, transitions, heldLease, stoppedBecause: options.signal.aborted ? 'aborted' : 'deadline' };
  }

  private async collectRecordedSignals(log: NonNullable<LoopDeps['logger']>): Promise<void> {
    if (!this.deps.signals) return;
    try {
      for (const stored of await this.deps.signals.readSignals()) {
        const key = stored.signal.kind === 'alarm' ? `alarm:${stored.signal.alarmName}` : `instance:${stored.signal.instanceId}`;
        if ((this.seenSignals.get(key) ?? -Infinity) >= stored.at) continue;
        this.seenSignals.set(key, stored.at);
        this.pending.push(stored);
      }
    } catch (error) {
      log.warn('recorded events unreadable; heartbeats and EC2 still count', { error: errorText(error) });
    }
  }

  private applyPendingSignals(spec: ClusterSpec): boolean {
    let applied = false;
    for (const { signal, at } of this.pending.splice(0)) {
      // An old recorded stop is older than any newer observation of EC2, which then wins.
      const node = applyNodeSignal(this.memory, spec, signal, at);
      if (node) {
        applied = true;
        (this.deps.logger ?? silentLogger).info('node event', { node, ...signal });
      }
    }
    return applied;
  }
}
