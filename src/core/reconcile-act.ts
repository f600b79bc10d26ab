import type { Action, ActionOutcome, CloudObservation, ClusterSpec, Finding } from './model';
import { planGroup, type GroupPlan } from './plan';
import type { CloudPort } from './ports';
import { isFencedOff } from './progress';
import type { StatusLedger } from './status-ledger';

/*
 * The acting phases, in their safety order: plan each group from the observation; before acting
 * on a status this tick did not write, prove it current; fence a failed owner first; move traffic
 * only for groups whose fencing was accepted.
 */

export interface Plans {
  readonly plans: ReadonlyMap<string, GroupPlan>;
  readonly findings: readonly Finding[];
  /** Groups not yet converged or still failing over: the next tick should look at EC2 again. */
  readonly unsettled: readonly string[];
}

export async function planAndProve(spec: ClusterSpec, observation: CloudObservation, ledger: StatusLedger): Promise<Plans> {
  const plans = new Map<string, GroupPlan>();
  const findings: Finding[] = [];
  const unsettled: string[] = [];
  for (const group of spec.groups) {
    if (!ledger.usable(group.id)) continue;
    const status = ledger.status(group.id);
    const plan = planGroup(spec, group, status, observation);
    findings.push(...plan.findings);
    if (!plan.converged || status.phase !== 'steady') unsettled.push(group.id);
    if (plan.actions.length > 0 && !(await ledger.proveCurrent(group))) continue;
    plans.set(group.id, plan);
  }
  return { plans, findings, unsettled };
}

/** Stops failed owners first; traffic of a group moves only once its failed node's stop was accepted. */
export async function fenceThenMove(cloud: CloudPort, spec: ClusterSpec, plans: ReadonlyMap<string, GroupPlan>): Promise<ActionOutcome[]> {
  const actions: Action[] = [...plans.values()].flatMap((p) => p.actions);
  const fencing = actions.filter((a) => a.kind === 'stop-instance');
  const outcomes: ActionOutcome[] = fencing.length > 0 ? await cloud.execute(fencing, spec.defaults.tunables) : [];
  const unfenced = new Set(outcomes.filter((o) => !isFencedOff(o)).map((o) => o.action.group));
  const traffic = actions.filter((a) => a.kind !== 'stop-instance' && !unfenced.has(a.group));
  if (traffic.length > 0) outcomes.push(...(await cloud.execute(traffic, spec.defaults.tunables)));
  return outcomes;
}
