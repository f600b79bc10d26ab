import { abortableSleep } from '../core/abortable-sleep';
import { parseNodeEvent } from '../core/events';
import { errorText, type Logger } from '../core/logger';
import type { LoopSummary, ReconcileLoop } from '../core/loop';

/*
 * The on-demand run shape in one process, as Lambda and EventBridge give it to the deployed
 * reconciler: a run every `periodMs`, and one whenever something wakes the function (an agent, an
 * operator command, a node event). Each run is a fresh loop that stops once the cluster is steady
 * (or at its deadline, as a Lambda's timeout would stop it); the process between runs only waits.
 * A wake during a run starts another right after it, as a second invocation would stand by and
 * take the lease over.
 */

export interface OnDemandRunsOptions {
  /** How often a scheduled run starts (the deployed schedule's period). */
  readonly periodMs: number;
  /** How long one run may last (the deployed function's timeout). */
  readonly runMs: number;
  /** A fresh loop for one run, ending by `deadline` (and when the process stops). */
  readonly newRun: (deadline: number) => ReconcileLoop;
  readonly logger: Logger;
  /** @default Date.now */
  readonly clock?: (() => number) | undefined;
}

export interface OnDemandTotals {
  readonly runs: number;
  readonly ticks: number;
  readonly transitions: number;
}

export class OnDemandRuns {
  private current: ReconcileLoop | undefined;
  private again = false;
  private kick = new AbortController();
  /** Node events to hand the next run: one arriving as a run ends must not be lost. */
  private readonly replay: unknown[] = [];
  private readonly clock: () => number;

  constructor(private readonly options: OnDemandRunsOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /** Starts a run now, or another right after the one under way. */
  wake(reason: string, from: string): void {
    this.options.logger.info('woken', { reason, from, running: this.current !== undefined });
    this.again = true;
    this.kick.abort();
  }

  /** Hands an EventBridge event to the run under way and to the next one; throws, changing nothing, when it is not one the loop understands. */
  notify(event: unknown): void {
    parseNodeEvent(event);
    this.replay.push(event);
    this.current?.notify(event);
    this.again = true;
    this.kick.abort();
  }

  /** Runs on schedule and on wakes until `stop`; returns what all runs did. */
  async runUntil(stop: AbortSignal): Promise<OnDemandTotals> {
    const totals = { runs: 0, ticks: 0, transitions: 0 };
    const onStop = () => this.kick.abort();
    stop.addEventListener('abort', onStop);
    let nextScheduled = this.clock();
    try {
      while (!stop.aborted) {
        const now = this.clock();
        if (!this.again && now < nextScheduled) {
          await abortableSleep(nextScheduled - now, this.kick.signal);
          if (this.kick.signal.aborted) this.kick = new AbortController();
          continue;
        }
        if (now >= nextScheduled) nextScheduled = now + this.options.periodMs;
        this.again = false;
        const summary = await this.oneRun();
        totals.runs += 1;
        totals.ticks += summary?.ticks ?? 0;
        totals.transitions += summary?.transitions ?? 0;
      }
    } finally {
      stop.removeEventListener('abort', onStop);
    }
    return totals;
  }

  private async oneRun(): Promise<LoopSummary | undefined> {
    const started = this.clock();
    this.current = this.options.newRun(started + this.options.runMs);
    for (const event of this.replay.splice(0)) this.current.notify(event);
    try {
      const summary = await this.current.run();
      this.options.logger.info('run finished', { ...summary, seconds: (this.clock() - started) / 1000 });
      return summary;
    } catch (error) {
      this.options.logger.error('run failed', { code: 'EC2F-R011', error: errorText(error) });
      return undefined;
    } finally {
      this.current = undefined;
    }
  }
}
