import { stopMarginMs } from '../core/loop';
import type { ClusterSpec } from '../core/model';
import type { FunctionFacts, StackFacts } from './stack-facts';

/*
 * How the reconciler runs in a month, from the template (schedule period, timeout, memory) and
 * the config (check interval, stop margin): each scheduled run loops until its timeout minus the
 * stop margin (lib/reconciler-sizing.ts), so runs overlap; one holds the lease and ticks every
 * check interval, the others stand by and read the lease about as often.
 */

export interface RunShape {
  readonly reconciler: FunctionFacts;
  readonly runsPerMonth: number;
  /** Billed seconds of one run: its timeout minus the stop margin. */
  readonly secondsPerRun: number;
  /** Ticks of the lease holder in the month. */
  readonly ticksPerMonth: number;
  /** Runs alive at once on average, besides the one holding the lease. */
  readonly standbyRuns: number;
}

export function reconcilerOf(facts: StackFacts): FunctionFacts {
  return facts.functions.find((fn) => fn.trigger === 'schedule')!;
}

export function runShape(facts: StackFacts, spec: ClusterSpec, monthSeconds: number): RunShape {
  const reconciler = reconcilerOf(facts);
  const periodSeconds = reconciler.periodSeconds!;
  const secondsPerRun = Math.max(0, reconciler.timeoutSeconds - stopMarginMs(spec) / 1000);
  return {
    reconciler,
    runsPerMonth: monthSeconds / periodSeconds,
    secondsPerRun,
    ticksPerMonth: monthSeconds / spec.defaults.checkIntervalSeconds,
    standbyRuns: Math.max(0, secondsPerRun / periodSeconds - 1),
  };
}
