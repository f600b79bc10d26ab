import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ScenarioResult } from './run-scenario';
import { describeFault, type Scenario } from './scenario';
import { PROFILE } from './timing';

/** The summary printed at the end (closing with the `chaos: …` line) and the JSON result file. */

export interface CampaignResult {
  readonly seed: number;
  readonly scenarios: readonly ScenarioResult[];
  readonly plans: readonly Scenario[];
  readonly durationMs: number;
  readonly boundMs: number;
}

export function violationCount(result: CampaignResult): number {
  return result.scenarios.reduce((n, s) => n + s.violations.length + (s.error ? 1 : 0), 0);
}

export function faultCount(result: CampaignResult): number {
  return result.scenarios.reduce((n, s) => n + s.faults.length, 0);
}

export function summaryLines(result: CampaignResult): string[] {
  const lines: string[] = [];
  const byKind = new Map<string, number>();
  for (const s of result.scenarios) for (const f of s.faults) byKind.set(f.kind, (byKind.get(f.kind) ?? 0) + 1);
  const converged = result.scenarios.map((s) => s.convergenceMs).filter((ms): ms is number => ms !== undefined);
  const worst = converged.length ? Math.max(...converged) : undefined;
  const impaired = result.scenarios.reduce((n, s) => n + s.impairedOverlapMs, 0);
  lines.push(
    `profile: heartbeat ${PROFILE.heartbeatSeconds} s × ${PROFILE.missedBeats}, check ${PROFILE.checkIntervalSeconds} s, drift check ${PROFILE.driftCheckIntervalSeconds} s, controllers on demand with a scheduled run every ${PROFILE.schedulePeriodSeconds} s, retry budget ${PROFILE.retryBudgetSeconds} s; convergence bound ${result.boundMs} ms`,
  );
  lines.push(`faults by kind: ${[...byKind].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
  lines.push(`worst convergence: ${worst === undefined ? 'n/a' : `${worst} ms`} (bound ${result.boundMs} ms); both nodes active while one could not deactivate (crashed/frozen, reported apart): ${impaired} ms in all`);
  const failing = result.scenarios.filter((s) => s.violations.length > 0 || s.error);
  for (const s of failing) {
    const plan = result.plans.find((p) => p.id === s.id);
    lines.push(`VIOLATION in scenario ${s.id} (replay: npm run chaos -- --seed ${result.seed} --scenario ${s.id})`);
    for (const f of plan?.faults ?? []) lines.push(`    ${describeFault(f)}`);
    if (s.error) lines.push(`  error: ${s.error}`);
    for (const v of s.violations) lines.push(`  step ${v.step} ${v.invariant}: ${v.detail}`);
  }
  lines.push(`${result.scenarios.length} scenarios in ${(result.durationMs / 1000).toFixed(0)} s`);
  lines.push(`chaos: ${result.scenarios.length} scenarios, ${faultCount(result)} faults, ${violationCount(result)} violations`);
  return lines;
}

export function writeResult(path: string, result: CampaignResult): void {
  mkdirSync(dirname(path), { recursive: true });
  const summary = { scenarios: result.scenarios.length, faults: faultCount(result), violations: violationCount(result) };
  writeFileSync(path, `${JSON.stringify({ seed: result.seed, profile: PROFILE, boundMs: result.boundMs, durationMs: result.durationMs, summary, scenarios: result.scenarios, plans: result.plans }, null, 2)}\n`);
}
