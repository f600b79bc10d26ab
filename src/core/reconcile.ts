import { groupEligibility } from './eligibility';
import { silentLogger } from './logger';
import type { Finding, NodeId } from './model';
import { actOnObservation, settleActions } from './reconcile-act';
import { decideAndCommit } from './reconcile-decide';
import { logFindings, writeHistory } from './reconcile-record';
import type { ReconcileDeps, ReconcileMemory, ReconcileOptions, ReconcileReport } from './reconcile-types';
import { awaitObservation, judge, readStoredWorld } from './reconcile-world';
import { StatusLedger } from './status-ledger';

export { newMemory } from './reconcile-types';
export type { ReconcileDeps, ReconcileMemory, ReconcileOptions, ReconcileReport } from './reconcile-types';

/*
 * One reconcile, level-based: read the whole desired and actual state, judge, decide, commit,
 * then make EC2 match and record what happened. Every runner (the controller, the Lambdas, the
 * simulation) calls this; none branches on what woke it. The safety order lives here:
 *   1. judge every node from what DynamoDB says (and what EC2 last said): EC2 is never waited for;
 *   2. decide and commit ownership by conditional write: a lost lease stops the tick here;
 *   3. record the transitions before acting, so a runner that dies mid-failover leaves them;
 *   4. take in what EC2 work of earlier ticks found or did;
 *   5. plan from the observation and prove a status not written this tick still current;
 *   6. fence the failed owner, then move traffic, each call sent only while the lease is proven held;
 *   7. commit progress (repair counts, `steady`) and record it.
 */
export async function reconcileOnce(deps: ReconcileDeps, memory: ReconcileMemory, options: ReconcileOptions): Promise<ReconcileReport> {
  const log = deps.logger ?? silentLogger;
  const now = deps.clock();
  const world = await readStoredWorld(deps, memory, log, options.stored);
  const observing = awaitObservation(deps, memory, world.spec, now, options);
  const judged = judge(world, memory, now);
  const eligibility = world.spec.groups.map((g) => groupEligibility(world.spec, g, memory.observation, memory.unauthorized, now));
  const ineligible = new Map<string, ReadonlyMap<NodeId, string>>(world.spec.groups.map((g, i) => [g.id, eligibility[i]!.ineligible]));

  const ledger = new StatusLedger(world.statuses, deps.state, options.fence, log);
  const decided = await decideAndCommit(world.spec, judged.health, ineligible, ledger, now, log);
  const early: Finding[] = [...judged.findings, ...eligibility.flatMap((e) => e.findings), ...decided.findings];
  const report = (acted: Awaited<ReturnType<typeof actOnObservation>> | undefined, observed: boolean): ReconcileReport => ({
    at: now,
    spec: world.spec,
    fenced: ledger.fenced,
    health: judged.health,
    statuses: ledger.statuses,
    transitions: decided.transitions,
    outcomes: acted?.outcomes ?? [],
    findings: [...early, ...(acted?.findings ?? [])],
    conflicts: ledger.conflicts,
    observed,
    unsettled: decided.transitions.length > 0 || (acted?.unsettled ?? true) || ledger.conflicts.length > 0,
  });
  // A holder whose lease has moved on must not touch EC2: its view may be stale.
  if (ledger.fenced) return report(undefined, false);
  await writeHistory(deps.state, decided.history, log);
  for (const [group, status] of ledger.statuses) memory.epochs.set(group, status.epoch);

  const observed = await observing(decided.transitions.length > 0);
  const settled = await settleActions(deps, memory, world.spec, ledger, now, log);
  const acted = await actOnObservation(deps, memory, world.spec, ledger, now, options, log);
  const done = { ...acted, outcomes: [...settled.outcomes, ...acted.outcomes], findings: [...settled.findings, ...acted.findings] };
  logFindings([...early, ...done.findings], memory.findings, ledger, log, acted.planned ?? false);
  await writeHistory(deps.state, [...settled.history, ...acted.history], log);
  return report(done, observed);
}
