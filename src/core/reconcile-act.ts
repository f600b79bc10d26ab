import { inFlight, noteAuthorization, settleWithin } from './ec2-work';
import type { Logger } from './logger';
import type { Action, ActionOutcome, CloudObservation, ClusterSpec, Finding, HistoryEntry } from './model';
import { planGroup, type GroupPlan } from './plan';
import type { CloudPort, ExecuteOptions } from './ports';
import { isFencedOff } from './progress';
import { commitProgress, logOutcome } from './reconcile-record';
import type { ReconcileDeps, ReconcileMemory, ReconcileOptions } from './reconcile-types';
import type { StatusLedger } from './status-ledger';
import { vanishedRoutes } from './vanished-routes';

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
export async function fenceThenMove(cloud: CloudPort, spec: ClusterSpec, plans: ReadonlyMap<string, GroupPlan>, options: ExecuteOptions = {}): Promise<ActionOutcome[]> {
  const actions: Action[] = [...plans.values()].flatMap((p) => p.actions);
  const fencing = actions.filter((a) => a.kind === 'stop-instance');
  const outcomes: ActionOutcome[] = fencing.length > 0 ? await cloud.execute(fencing, spec.defaults.tunables, options) : [];
  const unfenced = new Set(outcomes.filter((o) => !isFencedOff(o)).map((o) => o.action.group));
  const traffic = actions.filter((a) => a.kind !== 'stop-instance' && !unfenced.has(a.group));
  if (traffic.length > 0) outcomes.push(...(await cloud.execute(traffic, spec.defaults.tunables, options)));
  return outcomes;
}

/** Two associations of one Elastic IP to one ENI this close together are one too many (DescribeAddresses may lag). */
export const EIP_SETTLE_MS = 15_000;

export interface Acted {
  readonly outcomes: readonly ActionOutcome[];
  readonly history: readonly HistoryEntry[];
  readonly findings: readonly Finding[];
  /** EC2 work still under way, or groups not yet converged: the next tick should look again. */
  readonly unsettled: boolean;
  /** This tick planned from an observation (its findings are complete). */
  readonly planned?: boolean | undefined;
}

const NOTHING: Acted = { outcomes: [], history: [], findings: [], unsettled: false };

/** Takes in a finished batch of actions (of this tick or an earlier one): outcomes logged, progress committed for groups whose epoch is unchanged. */
export async function settleActions(deps: ReconcileDeps, memory: ReconcileMemory, spec: ClusterSpec, ledger: StatusLedger, now: number, log: Logger): Promise<Acted> {
  const batch = memory.acting;
  if (!batch?.run.settled) return { ...NOTHING, unsettled: batch !== undefined };
  memory.acting = undefined;
  const outcomes = batch.run.settled.value;
  for (const outcome of outcomes) logOutcome(log, outcome);
  noteAuthorization(memory.unauthorized, spec, outcomes, now);
  for (const o of outcomes) {
    if (o.result === 'ok' && o.action.kind === 'associate-address') memory.associations.set(o.action.allocationId, { networkInterfaceId: o.action.networkInterfaceId, at: batch.run.startedAt });
  }
  const current = new Map([...batch.plans].filter(([group, plan]) => planEpoch(plan) === undefined || planEpoch(plan) === ledger.status(group)?.epoch));
  const progress = await commitProgress(spec, current, outcomes, ledger, now);
  return { outcomes, history: progress.history, findings: progress.findings, unsettled: outcomes.length > 0 };
}

/**
 * Plans from the last observation and, unless a batch is still under way, starts the actions:
 * each mutating call is sent only while the lease is proven held and the action's epoch is the
 * newest seen. Waits for them at most the EC2 wait; a later tick takes in what is left.
 */
export async function actOnObservation(
  deps: ReconcileDeps,
  memory: ReconcileMemory,
  spec: ClusterSpec,
  ledger: StatusLedger,
  now: number,
  options: ReconcileOptions,
  log: Logger,
): Promise<Acted> {
  if (memory.acting || !memory.observation) return { ...NOTHING, unsettled: true };
  const planned = await planAndProve(spec, memory.observation, ledger);
  const vanished = vanishedRoutes(spec, memory.observation, memory.routesSeen);
  if (ledger.fenced) return { ...NOTHING, findings: planned.findings, unsettled: true };
  const plans = withoutRecentAssociations(planned.plans, memory, now);
  const mayAct = (action: Action) => (options.holdsLease?.() ?? true) && memory.epochs.get(action.group) === action.epoch;
  const run = fenceThenMove(deps.cloud, spec, plans, { deadline: options.deadline, mayAct });
  memory.acting = { plans, run: inFlight(run, now) };
  await settleWithin(memory.acting.run, options.ec2WaitMs ?? spec.defaults.checkIntervalSeconds * 1000, deps.sleep);
  const settled = await settleActions(deps, memory, spec, ledger, now, log);
  return { ...settled, planned: true, findings: [...planned.findings, ...vanished, ...settled.findings], unsettled: settled.unsettled || memory.acting !== undefined || planned.unsettled.length > 0 };
}

function planEpoch(plan: GroupPlan): number | undefined {
  return plan.actions[0]?.epoch;
}

/**
 * Drops an association this runner already made within the settling interval: the observation
 * may not show it yet. Once an observation started after it shows it, EC2 has caught up, and a
 * different association seen later is someone else's doing, repaired at once.
 */
function withoutRecentAssociations(plans: ReadonlyMap<string, GroupPlan>, memory: ReconcileMemory, now: number): Map<string, GroupPlan> {
  forgetConfirmedAssociations(memory);
  const recent = (a: Action) =>
    a.kind === 'associate-address' &&
    memory.associations.get(a.allocationId)?.networkInterfaceId === a.networkInterfaceId &&
    now - memory.associations.get(a.allocationId)!.at < EIP_SETTLE_MS;
  return new Map([...plans].map(([group, plan]) => [group, plan.actions.some(recent) ? { ...plan, actions: plan.actions.filter((a) => !recent(a)), converged: false } : plan]));
}

/** Forgets the associations an observation started after them already shows. */
function forgetConfirmedAssociations(memory: ReconcileMemory): void {
  const observation = memory.observation;
  if (!observation?.addresses.ok) return;
  for (const [allocationId, made] of [...memory.associations]) {
    const seen = observation.addresses.value[allocationId];
    if (observation.at > made.at && seen?.networkInterfaceId === made.networkInterfaceId) memory.associations.delete(allocationId);
  }
}
