import { stopMarginMs } from '../core/loop';
import type { ClusterSpec } from '../core/model';
import type { RunShape as RunShapeName } from '../names';
import type { FunctionFacts, StackFacts } from './stack-facts';
import type { UsageAssumptions } from './usage-assumptions';

/*
 * How the reconciler runs in a month, from the template (schedule period, timeout, memory and the
 * run shape its environment names) and the config (check interval, stop margin):
 *
 *   on-demand: every scheduled run, and every run an agent, the events function or the CLI wakes,
 *              ticks until the cluster is steady and stops: a steady run lasts `steadyRunSeconds`,
 *              a woken one `wokenRunSeconds` (usage-assumptions.ts). Runs seldom overlap.
 *   resident:  each scheduled run loops until its timeout minus the stop margin
 *              (lib/reconciler-sizing.ts), so runs overlap; one holds the lease and ticks every
 *              check interval, the others stand by and read the lease about as often.
 *
 * A template whose reconciler names no run shape is resident (the stack before the shapes).
 */

export interface RunShape {
  readonly name: RunShapeName;
  readonly reconciler: FunctionFacts;
  /** Every run: scheduled and woken. */
  readonly runsPerMonth: number;
  readonly scheduledRunsPerMonth: number;
  /** Billed seconds of one scheduled run: a steady run (on-demand), or its timeout minus the stop margin (resident). */
  readonly secondsPerRun: number;
  readonly wokenRunsPerMonth: number;
  readonly wokenRunSeconds: number;
  /** Billed seconds of all runs. */
  readonly billedSecondsPerMonth: number;
  /** Ticks of the lease holder in the month. */
  readonly ticksPerMonth: number;
  /** Runs alive at once on average, besides the one holding the lease. */
  readonly standbyRuns: number;
}

/** What a shape is computed from: the template's or the construct's own figures. */
export interface RunShapeInput {
  readonly name: RunShapeName;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
}

export function reconcilerOf(facts: StackFacts): FunctionFacts {
  return facts.functions.find((fn) => fn.trigger === 'schedule')!;
}

/** Ticks of a run that lasts `seconds`: one at its start, then one per check interval. */
function ticksOf(seconds: number, spec: ClusterSpec): number {
  return Math.max(1, Math.ceil(seconds / spec.defaults.checkIntervalSeconds));
}

function onDemandShape(input: RunShapeInput, spec: ClusterSpec, usage: UsageAssumptions): Omit<RunShape, 'reconciler'> {
  const scheduled = usage.monthSeconds / input.periodSeconds;
  const woken = usage.wokenRunsPerMonth;
  return {
    name: 'on-demand',
    runsPerMonth: scheduled + woken,
    scheduledRunsPerMonth: scheduled,
    secondsPerRun: usage.steadyRunSeconds,
    wokenRunsPerMonth: woken,
    wokenRunSeconds: usage.wokenRunSeconds,
    billedSecondsPerMonth: scheduled * usage.steadyRunSeconds + woken * usage.wokenRunSeconds,
    ticksPerMonth: scheduled * ticksOf(usage.steadyRunSeconds, spec) + woken * ticksOf(usage.wokenRunSeconds, spec),
    standbyRuns: 0,
  };
}

function residentShape(input: RunShapeInput, spec: ClusterSpec, usage: UsageAssumptions): Omit<RunShape, 'reconciler'> {
  const scheduled = usage.monthSeconds / input.periodSeconds;
  const secondsPerRun = Math.max(0, input.timeoutSeconds - stopMarginMs(spec) / 1000);
  return {
    name: 'resident',
    runsPerMonth: scheduled,
    scheduledRunsPerMonth: scheduled,
    secondsPerRun,
    wokenRunsPerMonth: 0,
    wokenRunSeconds: 0,
    billedSecondsPerMonth: scheduled * secondsPerRun,
    ticksPerMonth: usage.monthSeconds / spec.defaults.checkIntervalSeconds,
    standbyRuns: Math.max(0, secondsPerRun / input.periodSeconds - 1),
  };
}

/** The month of runs of a reconciler with these figures (the construct sizes its tables with it). */
export function runShapeOf(input: RunShapeInput, spec: ClusterSpec, usage: UsageAssumptions): Omit<RunShape, 'reconciler'> {
  return input.name === 'on-demand' ? onDemandShape(input, spec, usage) : residentShape(input, spec, usage);
}

export function runShape(facts: StackFacts, spec: ClusterSpec, usage: UsageAssumptions): RunShape {
  const reconciler = reconcilerOf(facts);
  const input = { name: reconciler.runShape ?? 'resident', periodSeconds: reconciler.periodSeconds!, timeoutSeconds: reconciler.timeoutSeconds };
  return { reconciler, ...runShapeOf(input, spec, usage) };
}
