import { costLine, type CostLine } from './cost-line';
import type { PriceList } from './prices-us-east-1';
import type { RunShape } from './run-shape';
import type { FunctionFacts, StackFacts } from './stack-facts';
import type { UsageAssumptions } from './usage-assumptions';

/*
 * Lambda: requests and GB-seconds per function. The reconciler's come from its run shape (its
 * schedule, the length of a run, the woken runs); the events function's from an assumed event
 * count; deploy-time functions run only when the stack is deployed and are counted as zero.
 */

const MIB_PER_GB = 1024;

interface Invocations {
  readonly name: string;
  readonly perMonth: number;
  /** Billed seconds of all of them. */
  readonly seconds: number;
  readonly basis: string;
}

function reconcilerBasis(fn: FunctionFacts, shape: RunShape): string {
  if (shape.name === 'resident') return `resident: a run every ${fn.periodSeconds} s, each ${shape.secondsPerRun} s (timeout ${fn.timeoutSeconds} s less the stop margin)`;
  return `on-demand: a run every ${fn.periodSeconds} s, each ~${shape.secondsPerRun} s until steady, and ${shape.wokenRunsPerMonth} woken runs of ${shape.wokenRunSeconds} s (assumed)`;
}

function invocationsOf(fn: FunctionFacts, shape: RunShape, usage: UsageAssumptions): Invocations {
  if (fn === shape.reconciler) {
    return { name: 'reconciler', perMonth: shape.runsPerMonth, seconds: shape.billedSecondsPerMonth, basis: reconcilerBasis(fn, shape) };
  }
  if (fn.trigger === 'events') {
    const events = usage.nodeEventsPerMonth;
    return { name: 'events', perMonth: events, seconds: events * usage.nodeEventSeconds, basis: `assumed ${events} node events of ${usage.nodeEventSeconds} s` };
  }
  if (fn.trigger === 'schedule') {
    const runs = usage.monthSeconds / fn.periodSeconds!;
    return { name: fn.logicalId, perMonth: runs, seconds: runs * fn.timeoutSeconds, basis: `every ${fn.periodSeconds} s, up to its timeout` };
  }
  return { name: fn.logicalId.replace(/^ControlPlane/, '').replace(/[0-9A-F]{8}$/, ''), perMonth: 0, seconds: 0, basis: 'runs only when the stack is deployed' };
}

function linesOf(fn: FunctionFacts, shape: RunShape, usage: UsageAssumptions, prices: PriceList): CostLine[] {
  const runs = invocationsOf(fn, shape, usage);
  if (runs.perMonth === 0) return [costLine('Lambda', `${runs.name}: requests`, 0, prices.prices.lambdaRequests, runs.basis)];
  const gb = fn.memoryMb / MIB_PER_GB;
  const gbSecond = fn.architecture === 'arm64' ? prices.prices.lambdaArmGbSecond : prices.prices.lambdaX86GbSecond;
  return [
    costLine('Lambda', `${runs.name}: requests`, runs.perMonth, prices.prices.lambdaRequests, runs.basis),
    costLine('Lambda', `${runs.name}: compute (${fn.memoryMb} MB, ${fn.architecture})`, runs.seconds * gb, gbSecond, `${runs.basis}, × ${gb} GB`),
  ];
}

export function lambdaLines(facts: StackFacts, shape: RunShape, usage: UsageAssumptions, prices: PriceList): CostLine[] {
  return facts.functions.flatMap((fn) => linesOf(fn, shape, usage, prices));
}
