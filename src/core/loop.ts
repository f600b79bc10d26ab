import { abortableSleep } from './abortable-sleep';
import { applyNodeSignal, parseNodeEvent } from './events';
import type { ClusterSpec, GroupStatus, LivenessBaselines, NodeSignal } from './model';
import type { FencingToken, LeasePort, SignalPort, StoredSignal } from './ports';
import { DEFAULT_API_CALL_TIMEOUT_SECONDS, DEFAULT_CHECK_INTERVAL_SECONDS } from './config-rules';
import { failureWindowMs } from './health';
import { failureDueAt, silenceMs, watchedSilenceMs } from './beat-time';
import { LeaseKeeper } from './lease-keeper';
import { recordTick, silentMetrics, type MetricsSink } from './loop-metrics';
import { ReconcilerMetric } from '../names';
import { errorText, silentLogger, type Logger } from './logger';
import { newMemory, reconcileOnce, type ReconcileDeps, type ReconcileReport } from './reconcile';
import type { RunShape } from '../names';

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
  /** A clock no one can set, for proving the lease still held before each EC2 call. @default performance.now */
  readonly monotonic?: (() => number) | undefined;
  /** Where each tick's figures go. @default nowhere */
  readonly metrics?: MetricsSink | undefined;
  /** Told each tick's judgement (the verdicts `status` shows); a failure is logged, never fatal. */
  readonly afterTick?: ((report: ReconcileReport) => Promise<void>) | undefined;
  /** Route tables seen holding each protected route, kept across runs of one process (a warm Lambda). @default this loop's own */
  readonly routesSeen?: Map<string, Set<string>> | undefined;
}

export interface LoopOptions {
  /** Unique per process: a Lambda request id, or host + pid. */
  readonly holder: string;
  readonly signal: AbortSignal;
  /** Clock time (ms) by which the loop must have stopped and released the lease. */
  readonly deadline?: number | undefined;
  /** Stop this long before the deadline: one tick's EC2 calls must fit. @default {@link stopMarginMs} */
  readonly stopMarginMs?: number | undefined;
  /** Lease time-to-live. @default 3 × checkIntervalSeconds, at least 1 s */
  readonly leaseTtlMs?: number | undefined;
  /** `on-demand`: stop as soon as the cluster is steady (see {@link isSteady}); `resident`: tick until the deadline. @default 'resident' */
  readonly shape?: RunShape | undefined;
}

/** How long before its deadline a loop stops: one tick's EC2 calls must fit (2 × apiCallTimeout + check interval). */
export function stopMarginMs(spec: ClusterSpec | undefined): number {
  const apiCallTimeoutSeconds = spec?.defaults.tunables.apiCallTimeoutSeconds ?? DEFAULT_API_CALL_TIMEOUT_SECONDS;
  const checkIntervalSeconds = spec?.defaults.checkIntervalSeconds ?? DEFAULT_CHECK_INTERVAL_SECONDS;
  return (2 * apiCallTimeoutSeconds + checkIntervalSeconds) * 1000;
}

export interface LoopSummary {
  readonly ticks: number;
  readonly transitions: number;
  readonly heldLease: boolean;
  readonly stoppedBecause: 'aborted' | 'deadline' | 'steady';
}

/**
 * Nothing left for an on-demand run to watch: it has read EC2, no action or event is pending,
 * every group is steady, and every node is either failed or healthy and heard from within a
 * beat and a quarter. A node beginning to look silent keeps the run going until it is judged.
 */
export function isSteady(report: ReconcileReport, baselines: LivenessBaselines): boolean {
  if (report.fenced || report.unsettled) return false;
  for (const status of report.statuses.values()) if (status.phase !== 'steady') return false;
  for (const [node, health] of report.health) {
    if (health.state === 'failed') continue;
    const baseline = baselines[node];
    if (health.state !== 'healthy' || baseline === undefined || silenceMs(baseline, report.at) > watchedSilenceMs(report.spec)) return false;
  }
  return true;
}

export class ReconcileLoop {
  private readonly memory = newMemory();
  private readonly pending: StoredSignal[] = [];
  /** The clock time the last reconcile judged the nodes at. */
  private judgedAt: number | undefined;
  private readonly keeper: LeaseKeeper;
  private readonly log: Logger;
  private readonly metrics: MetricsSink;
  private readonly sleep: (ms: number, wake: AbortSignal) => Promise<void>;
  private wake = new AbortController();
  private spec: ClusterSpec | undefined;
  private forceObserve = true;
  private waitingFor: string | undefined;
  private lastStatuses: ReadonlyMap<string, GroupStatus> = new Map();
  /** The last tick's verdicts being written: a run waits for them before it ends. */
  private recording: Promise<void> = Promise.resolve();
  /** Recorded signals already applied, by instance or alarm, so each is applied once. */
  private readonly seenSignals = new Map<string, number>();

  constructor(
    private readonly deps: LoopDeps,
    private readonly options: LoopOptions,
  ) {
    this.log = deps.logger ?? silentLogger;
    this.metrics = deps.metrics ?? silentMetrics;
    this.sleep = deps.sleep ?? abortableSleep;
    if (deps.routesSeen) this.memory.routesSeen = deps.routesSeen;
    this.keeper = new LeaseKeeper({ lease: deps.lease, clock: deps.clock, monotonic: deps.monotonic, sleep: this.sleep, logger: this.log }, options.holder);
  }

  /**
   * Hands the loop an EventBridge event (EC2 state change, alarm); it is judged on the next tick,
   * at once, by its own time: never by when it arrived.
   */
  notify(event: unknown): NodeSignal {
    const stored = parseNodeEvent(event);
    this.pending.push(stored);
    this.wake.abort();
    return stored.signal;
  }

  /** Ticks while it holds the lease (standing by otherwise) until aborted or the deadline nears; releases the lease on the way out. */
  async run(): Promise<LoopSummary> {
    const { options } = this;
    const onAbort = () => this.wake.abort();
    options.signal.addEventListener('abort', onAbort);
    let ticks = 0;
    let transitions = 0;
    let heldLease = false;
    let steady = false;
    let relooked = false;
    try {
      while (!options.signal.aborted && this.timeLeft() > 0) {
        const tickStart = this.deps.clock();
        if (this.wake.signal.aborted) this.wake = new AbortController();
        if (!this.keeper.fence && !(await this.acquireOrStandBy())) continue;
        heldLease = true;
        const report = await this.tick();
        if (report) {
          ticks += 1;
          transitions += report.transitions.length;
        }
        if (!this.keeper.fence) continue;
        if ((await this.keeper.renew(this.ttlMs(), this.memory.baselines)) === 'lost') continue;
        if (this.pending.length > 0 && this.spec) continue;
        if (options.shape === 'on-demand' && report && this.settledWork() && isSteady(report, this.memory.baselines)) {
          steady = true;
          break;
        }
        // An on-demand run judges an observation that came in after its tick's judgement at once, rather than a
        // tick later; once between two waits, so EC2 answering fast (errors, say) never makes ticks back to back.
        if (options.shape === 'on-demand' && !relooked && this.observationUnjudged()) {
          relooked = true;
          continue;
        }
        relooked = false;
        const wait = Math.min(Math.min(tickStart + this.intervalMs(), this.silenceDeadline()) - this.deps.clock(), this.timeLeft());
        if (wait > 0) await this.sleep(wait, this.wake.signal);
      }
    } finally {
      options.signal.removeEventListener('abort', onAbort);
      if (this.memory.acting && !this.memory.acting.run.settled)
        this.log.warn('EC2 actions still under way as the run ends: their outcome is unknown; the next run carries on', { actions: [...this.memory.acting.plans.values()].reduce((n, p) => n + p.actions.length, 0) });
      await this.keeper.release(this.ttlMs(), this.memory.baselines);
      await this.recording;
    }
    return { ticks, transitions, heldLease, stoppedBecause: steady ? 'steady' : options.signal.aborted ? 'aborted' : 'deadline' };
  }

  /** An observation finished and is in memory, but no judgement has used it yet. */
  private observationUnjudged(): boolean {
    const { observing, observation, judgedObservationAt } = this.memory;
    return !observing && observation !== undefined && observation.at !== judgedObservationAt;
  }

  /**
   * This run has read EC2 and judged its newest read (one may arrive after a tick's judgement),
   * and no observation or action is still under way. The lease's acquisition clears the read.
   */
  private settledWork(): boolean {
    const { acting, observing, observation, judgedObservationAt } = this.memory;
    if (acting && acting.run.settled === undefined) return false;
    return !observing && observation !== undefined && observation.at === judgedObservationAt;
  }

  /** One attempt at the lease; on failure waits (at most a tick) and returns false. */
  private async acquireOrStandBy(): Promise<boolean> {
    let acquisition;
    try {
      if (!this.spec) this.spec = (await this.deps.state.read()).spec;
      acquisition = await this.keeper.tryAcquire(this.ttlMs());
    } catch (error) {
      this.log.warn('lease unavailable; trying again next tick', { error: errorText(error) });
      await this.sleep(this.intervalMs(), this.wake.signal);
      return false;
    }
    if (!acquisition.acquired) {
      if (this.waitingFor !== acquisition.holder) this.log.info('standing by: lease held by another loop', { holder: acquisition.holder });
      this.waitingFor = acquisition.holder;
      await this.sleep(Math.min(this.intervalMs(), Math.max(10, acquisition.expiresAt - this.deps.clock())), this.wake.signal);
      return false;
    }
    this.waitingFor = undefined;
    // Taken from a holder that vanished: the time since its last renewal went unwatched, so no
    // node is failed for silence until a missed-beat window has passed on this holder's clock.
    if (acquisition.tookOver && !acquisition.previousReleased) this.memory.blindAt = this.deps.clock();
    this.memory.baselines = acquisition.baselines;
    this.memory.observation = undefined;
    this.forceObserve = true;
    const { fence, tookOver, previousHolder } = acquisition;
    // A lease released by the run before is the usual way runs follow each other; one taken from a holder that vanished is news.
    if (tookOver && previousHolder !== undefined && !acquisition.previousReleased) this.metrics.count(ReconcilerMetric.leaseHandovers, 1);
    this.log.info('lease acquired', { holder: fence.holder, token: fence.token, tookOver, previousHolder });
    return true;
  }

  /** State and signals in, one reconcile, with the lease kept alive meanwhile; undefined when the state was unknown. */
  private async tick(): Promise<ReconcileReport | undefined> {
    try {
      const report = await this.keeper.keepAliveDuring(this.readAndReconcile(this.keeper.fence!), this.ttlMs(), () => this.memory.baselines);
      recordTick(this.metrics, report, this.lastStatuses, this.memory.baselines);
      this.metrics.flush?.();
      if (!report.fenced && this.deps.afterTick) {
        this.recording = this.deps.afterTick(report).catch((error: unknown) => this.log.warn('verdicts not recorded', { error: errorText(error) }));
      }
      this.lastStatuses = report.statuses;
      this.judgedAt = report.at;
      this.forceObserve = report.unsettled;
      if (report.fenced) this.keeper.standDown();
      return report;
    } catch (error) {
      // The state store could not be read or written: nothing is known, so nothing moves.
      this.memory.blindAt = this.deps.clock();
      this.metrics.count(ReconcilerMetric.reconcileErrors, 1);
      this.log.error('reconcile failed; state unknown this tick', { code: 'EC2F-R011', error: errorText(error) });
      this.forceObserve = true;
      return undefined;
    }
  }

  /** The stored state and the node events beside it (one request where the store keeps both), then one reconcile. */
  private async readAndReconcile(fence: FencingToken): Promise<ReconcileReport> {
    const stored = await this.deps.state.read();
    this.spec = stored.spec;
    await this.collectRecordedSignals(stored.signals);
    this.forceObserve = this.applyPendingSignals(stored.spec) || this.forceObserve;
    return reconcileOnce(this.deps, this.memory, {
      fence,
      forceObserve: this.forceObserve,
      holdsLease: () => this.keeper.holdsLease(),
      deadline: this.ec2Deadline(),
      stored,
    });
  }

  /** EC2 work, retries included, ends one call's time before the run's deadline, leaving room to release the lease. */
  private ec2Deadline(): number | undefined {
    if (this.options.deadline === undefined) return undefined;
    return this.options.deadline - (this.spec?.defaults.tunables.apiCallTimeoutSeconds ?? DEFAULT_API_CALL_TIMEOUT_SECONDS) * 1000;
  }

  /**
   * When the first node still heard from would have been silent for longer than its failure
   * window: the loop looks again then rather than at the next tick, so a silent node is judged
   * failed as its window passes (missedBeats × interval of silence on this loop's clock), not up
   * to a tick later. Only a node silent for most of its window brings a look forward.
   */
  private silenceDeadline(): number {
    if (!this.spec || this.judgedAt === undefined) return Infinity;
    const windowMs = failureWindowMs(this.spec);
    let earliest = Infinity;
    for (const baseline of Object.values(this.memory.baselines)) {
      // Not yet past its window when last judged (a window that ran out during that tick counts: look at once).
      const due = failureDueAt(baseline, this.spec, windowMs) + 1;
      if (due > this.judgedAt && due < earliest) earliest = due;
    }
    return earliest;
  }

  private intervalMs(): number {
    return (this.spec?.defaults.checkIntervalSeconds ?? 1) * 1000;
  }

  private ttlMs(): number {
    return this.options.leaseTtlMs ?? Math.max(1000, 3 * this.intervalMs());
  }

  private timeLeft(): number {
    if (this.options.deadline === undefined) return Infinity;
    const marginMs = this.options.stopMarginMs ?? stopMarginMs(this.spec);
    return this.options.deadline - this.deps.clock() - marginMs;
  }

  /** The signals the state read carried, else those of the signal store; each is taken once. */
  private async collectRecordedSignals(carried: readonly StoredSignal[] | undefined): Promise<void> {
    if (!carried && !this.deps.signals) return;
    try {
      for (const stored of carried ?? (await this.deps.signals!.readSignals())) {
        const key = stored.signal.kind === 'alarm' ? `alarm:${stored.signal.alarmName}` : `instance:${stored.signal.instanceId}`;
        if ((this.seenSignals.get(key) ?? -Infinity) >= stored.at) continue;
        this.seenSignals.set(key, stored.at);
        this.pending.push(stored);
      }
    } catch (error) {
      this.log.warn('recorded events unreadable; heartbeats and EC2 still count', { error: errorText(error) });
    }
  }

  private applyPendingSignals(spec: ClusterSpec): boolean {
    let applied = false;
    for (const { signal, at } of this.pending.splice(0)) {
      // Kept with the event's time: an observation of EC2 made in a later second outweighs it.
      const node = applyNodeSignal(this.memory, spec, signal, at);
      if (node) {
        applied = true;
        this.log.info('node event', { node, ...signal });
      }
    }
    return applied;
  }
}
