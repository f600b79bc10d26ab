import { silentLogger } from './logger';
import type { ActionOutcome, Finding } from './model';
import { fenceThenMove, planAndProve } from './reconcile-act';
import { decideAndCommit } from './reconcile-decide';
import { commitProgress, logFindings, logOutcome, writeHistory } from './reconcile-record';
import type { ReconcileDeps, ReconcileMemory, ReconcileOptions, ReconcileReport } from './reconcile-types';
import { judge, observeIfDue, readStoredWorld } from './reconcile-world';
import { StatusLedger } from './status-ledger';

export { newMemory } from './reconcile-types';
export type { ReconcileDeps, ReconcileMemory, ReconcileOptions, ReconcileReport } from './reconcile-types';

/*
 * One reconcile, level-based: read the whole desired and actual state, judge, decide, commit,
 * then make EC2 match and record what happened. Every runner (the controller, the Lambdas, the
 * simulation) calls this; none branches on what woke it. The safety order lives here:
 *   1. judge every node from what DynamoDB and EC2 say;
 *   2. decide and commit ownership by conditional write: a lost lease stops the tick here;
 *   3. record the transitions before acting, so a runner that dies mid-failover leaves them;
 *   4. plan from the observation and prove a status not written this tick still current;
 *   5. fence the failed owner, then move traffic;
 *   6. commit progress (repair counts, `steady`) and record it.
 */
export async function reconcileOnce(deps: ReconcileDeps, memory: ReconcileMemory, options: ReconcileOptions): Promise<ReconcileReport> {
  const log = deps.logger ?? silentLogger;
  const now = deps.clock();
  const world = await readStoredWorld(deps, memory, log);
  let observed = await observeIfDue(deps, memory, world.spec, now, options.forceObserve ?? false);
  const { health, findings: judgeFindings } = judge(world, memory, now);

  const ledger = new StatusLedger(world.statuses, deps.state, options.fence, log);
  const decided = await decideAndCommit(world.spec, health, ledger, now, log);
  const report = (outcomes: readonly ActionOutcome[], findings: readonly Finding[], unsettled: boolean): ReconcileReport => ({
    at: now,
    spec: world.spec,
    fenced: ledger.fenced,
    health,
    statuses: ledger.statuses,
    transitions: decided.transitions,
    outcomes,
    findings,
    conflicts: ledger.conflicts,
    observed,
    unsettled: unsettled || outcomes.length > 0 || ledger.conflicts.length > 0,
  });
  // A holder whose lease has moved on must not touch EC2: its view may be stale.
  if (ledger.fenced) return report([], [...judgeFindings, ...decided.findings], decided.transitions.length > 0);

  await writeHistory(deps.state, decided.history, log);
  if (decided.transitions.length > 0 && !observed) observed = await observeIfDue(deps, memory, world.spec, now, true);
  const planned = await planAndProve(world.spec, memory.observation!, ledger);
  const findings = [...judgeFindings, ...decided.findings, ...planned.findings];
  const unsettled = decided.transitions.length > 0 || planned.unsettled.length > 0;
  if (ledger.fenced) return report([], findings, unsettled);

  const outcomes = await fenceThenMove(deps.cloud, world.spec, planned.plans);
  for (const outcome of outcomes) logOutcome(log, outcome);
  const progress = await commitProgress(world.spec, planned.plans, outcomes, ledger, now);
  logFindings(findings, ledger, log);
  await writeHistory(deps.state, progress, log);
  return report(outcomes, findings, unsettled);
}
