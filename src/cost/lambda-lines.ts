import { costLine, type CostLine } from './cost-line';
import type { PriceList } from './prices-us-east-1';
import type { RunShape } from './run-shape';
import type { FunctionFacts, StackFacts } from './stack-facts';
import type { UsageAssumptions } from './usage-assumptions';

/*
 * Lambda: requests and GB-seconds per function. The reconciler's come from its schedule and the
 * length of a run; the events function's from an assumed event count; deploy-time functions run
 * only when the stack is deployed and are counted as zero.
 */

const MIB_PER_GB = 1024;

interface Invocations {
  readonly name: string;
  readonly perMonth: number;
  readonly seconds: number;
  readonly basis: string;
}

function invocationsOf(fn: FunctionFacts, shape: RunShape, usage: UsageAssumptions): Invocations {
  if (fn === shape.reconciler) {
    return {
      name: 'reconciler',
      perMonth: shape.runsPerMonth,
      seconds: shape.secondsPerRun,
      basis: `a run every ${fn.periodSeconds} s, each ${shape.secondsPerRun} s (timeout ${fn.timeoutSeconds} s less the stop margin)`,
    };
  }
  if (fn.trigger === 'events') {
    return { name: 'events', perMonth: usage.nodeEventsPerMonth, seconds: usage.nodeEventSeconds, basis: `assumed ${usage.nodeEventsPerMonth} node events of ${usage.nodeEventSeconds} s` };
  }
  if (fn.trigger === 'schedule') {
    return { name: fn.logicalId, perMonth: usage.monthSeconds / fn.periodSeconds!, seconds: fn.timeoutSeconds, basis: `every ${fn.periodSeconds} s, up to its timeout` };
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
    costLine('Lambda', `${runs.name}: compute (${fn.memoryMb} MB, ${fn.architecture})`, runs.perMonth * runs.seconds * gb, gbSecond, `${runs.basis}, × ${gb} GB`),
  ];
}

export function lambdaLines(facts: StackFacts, shape: RunShape, usage: UsageAssumptions, prices: PriceList): CostLine[] {
  return facts.functions.flatMap((fn) => linesOf(fn, shape, usage, prices));
}
