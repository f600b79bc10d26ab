import { judgeNodes } from './health';
import type {
  Action,
  ActionOutcome,
  ClusterSpec,
  CloudObservation,
  Finding,
  GroupSpec,
  GroupStatus,
  Heartbeat,
  HistoryEntry,
  InstanceState,
  LivenessBaselines,
  NodeHealth,
  NodeId,
  Observed,
  Transition,
} from './model';
import { initialStatus } from './model';
import { decideOwnership } from './ownership';
import { planGroup, type GroupPlan } from './plan';
import type { CloudPort, FencingToken, HeartbeatPort, StatePort } from './ports';
import { isFencedOff, recordProgress } from './progress';

/*
 * One reconcile, level-based: read the whole desired and actual state, decide ownership,
 * commit it by conditional write, then make EC2 match and record what happened. Every runner
 * (the controller, the Lambdas, the simulation) calls this; none branches on what woke it.
 */

/** A narrow logger: the reconcile needs no more than this. */
export interface DecisionLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: DecisionLogger = { info: () => {}, warn: () => {}, error: () => {} };

export interface ReconcileDeps {
  readonly state: StatePort;
  readonly heartbeats: HeartbeatPort;
  readonly cloud: CloudPort;
  readonly clock: () => number;
  readonly logger?: DecisionLogger | undefined;
}

/** What a runner keeps between ticks (and hands over with the lease). */
export interface ReconcileMemory {
  baselines: LivenessBaselines;
  observation?: CloudObservation | undefined;
  /** Instance states learned from events, newer than the last observation. */
  instanceEvents: Record<string, { state: InstanceState; at: number }>;
  alarmingNodes: Set<NodeId>;
}

export function newMemory(): ReconcileMemory {
  return { baselines: {}, instanceEvents: {}, alarmingNodes: new Set() };
}

export interface ReconcileOptions {
  readonly fence: FencingToken;
  /** Read EC2 even if the last observation is younger than the drift-check interval. */
  readonly forceObserve?: boolean | undefined;
}

export interface ReconcileReport {
  readonly at: number;
  readonly spec: ClusterSpec;
  /** The lease moved on: this runner must stand down. */
  readonly fenced: boolean;
  readonly health: ReadonlyMap<NodeId, NodeHealth>;
  readonly statuses: ReadonlyMap<string, GroupStatus>;
  readonly transitions: readonly Transition[];
  readonly outcomes: readonly ActionOutcome[];
  readonly findings: readonly Finding[];
  readonly conflicts: readonly string[];
  readonly observed: boolean;
  /** True when the next tick should read EC2 again at once (something changed or is pending). */
  readonly unsettled: boolean;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * EC2's Describe calls are eventually consistent: right after a stop event they may still say
 * `running`. A "going down" event therefore outweighs a still-running observation for this long.
 */
const DOWN_EVENT_GRACE_MS = 60_000;
const GOING_DOWN: ReadonlySet<InstanceState> = new Set(['stopping', 'stopped', 'shutting-down', 'terminated']);

function effectiveInstanceStates(memory: ReconcileMemory, now: number): Record<string, InstanceState> {
  const states: Record<string, InstanceState> = {};
  const observation = memory.observation;
  if (observation?.instances.ok) Object.assign(states, observation.instances.value);
  for (const [instanceId, event] of Object.entries(memory.instanceEvents)) {
    const observed = states[instanceId];
    const newerThanObservation = !observation || !observation.instances.ok || event.at >= observation.at;
    const stillSettling = GOING_DOWN.has(event.state) && (observed === 'running' || observed === 'pending') && now - event.at < DOWN_EVENT_GRACE_MS;
    if (newerThanObservation || stillSettling) states[instanceId] = event.state;
  }
  return states;
}

export async function reconcileOnce(deps: ReconcileDeps, memory: ReconcileMemory, options: ReconcileOptions): Promise<ReconcileReport> {
  const log = deps.logger ?? silentLogger;
  const now = deps.clock();
  const { spec, statuses: stored } = await deps.state.read();
  const statuses = new Map<string, GroupStatus>();
  for (const group of spec.groups) statuses.set(group.id, stored.get(group.id) ?? initialStatus(group.id));

  let heartbeats: Observed<readonly Heartbeat[]>;
  try {
    heartbeats = { ok: true, value: (await deps.heartbeats.readHeartbeats()).beats };
  } catch (error) {
    heartbeats = { ok: false, reason: errorText(error) };
    log.warn('heartbeats unreadable; node health unknown this tick', { error: errorText(error) });
  }

  const driftMs = spec.defaults.driftCheckIntervalSeconds * 1000;
  let observed = false;
  const observe = async () => {
    memory.observation = await deps.cloud.observe(spec);
    observed = true;
  };
  if (options.forceObserve || !memory.observation || now - memory.observation.at >= driftMs) await observe();

  const judged = judgeNodes({
    spec,
    heartbeats,
    baselines: memory.baselines,
    instanceStates: effectiveInstanceStates(memory, now),
    alarmingNodes: memory.alarmingNodes,
    now,
  });
  memory.baselines = judged.baselines;

  const history: HistoryEntry[] = [];
  const findings: Finding[] = [];
  const transitions: Transition[] = [];
  const conflicts: string[] = [];
  const unsettledGroups = new Set<string>();
  let fenced = false;

  const commit = async (group: GroupSpec, next: GroupStatus): Promise<boolean> => {
    const result = await deps.state.commitStatus(group, next, options.fence);
    if (result === 'committed') {
      statuses.set(group.id, next);
      return true;
    }
    conflicts.push(group.id);
    fenced ||= result === 'fenced';
    log.warn(result === 'fenced' ? 'lease lost; standing down' : 'status changed under us; will re-read next tick', {
      group: group.id,
      epoch: next.epoch,
      result,
    });
    return false;
  };

  const writable: GroupSpec[] = [];
  const committedThisTick = new Set<string>();
  for (const group of spec.groups) {
    if (fenced) break;
    const decision = decideOwnership({ group, status: statuses.get(group.id)!, health: judged.health, tunables: spec.defaults.tunables, now });
    findings.push(...decision.findings);
    if (decision.next) {
      if (!(await commit(group, decision.next))) continue;
      committedThisTick.add(group.id);
    }
    history.push(...decision.history);
    if (decision.transition) {
      transitions.push(decision.transition);
      unsettledGroups.add(group.id);
      log.info('ownership changed', {
        group: group.id,
        epoch: decision.transition.epoch,
        from: decision.transition.from,
        to: decision.transition.to,
        reason: decision.transition.reason,
        detail: decision.transition.detail,
      });
    }
    writable.push(group);
  }
  // A holder whose lease has moved on must not touch EC2: its view may be stale.
  if (fenced) return report();

  // Record transitions before acting: a runner that dies mid-failover must leave them in history.
  await flushHistory();
  if (transitions.length > 0 && !observed) await observe();
  const observation = memory.observation!;

  const plans = new Map<string, GroupPlan>();
  for (const group of [...writable]) {
    let status = statuses.get(group.id)!;
    const plan = planGroup(spec, group, status, observation);
    findings.push(...plan.findings);
    if (!plan.converged || status.phase !== 'steady') unsettledGroups.add(group.id);
    // Before touching EC2 on a status read but not written this tick, prove it is still the
    // newest (optimistic lock): a reconciler acting on a stale read must not pull traffic back.
    if (plan.actions.length > 0 && !committedThisTick.has(group.id)) {
      status = { ...status, version: status.version + 1 };
      if (!(await commit(group, status))) {
        writable.splice(writable.indexOf(group), 1);
        continue;
      }
    }
    plans.set(group.id, plan);
  }
  if (fenced) return report();

  const allActions = [...plans.values()].flatMap((p) => p.actions);
  const fencing = allActions.filter((a) => a.kind === 'stop-instance');
  const outcomes: ActionOutcome[] = fencing.length > 0 ? await deps.cloud.execute(fencing, spec.defaults.tunables) : [];
  // Traffic moves only once the failed node's stop has been accepted.
  const unfenced = new Set(outcomes.filter((o) => !isFencedOff(o)).map((o) => o.action.group));
  const traffic = allActions.filter((a) => a.kind !== 'stop-instance' && !unfenced.has(a.group));
  if (traffic.length > 0) outcomes.push(...(await deps.cloud.execute(traffic, spec.defaults.tunables)));
  for (const outcome of outcomes) logOutcome(log, outcome);

  for (const group of writable) {
    const status = statuses.get(group.id)!;
    const progress = recordProgress(status, plans.get(group.id)!, outcomes.filter((o) => o.action.group === group.id), now);
    if (progress.next && !(await commit(group, progress.next))) continue;
    history.push(...progress.history);
  }

  for (const finding of findings) {
    const fields = { group: finding.group, resource: finding.resource, epoch: statuses.get(finding.group)?.epoch, code: finding.code };
    if (finding.severity === 'error') log.error(finding.message, fields);
    else log.warn(finding.message, fields);
  }
  await flushHistory();
  return report(outcomes);

  async function flushHistory(): Promise<void> {
    const entries = history.splice(0);
    if (entries.length === 0) return;
    try {
      await deps.state.appendHistory(entries);
    } catch (error) {
      log.error('history could not be written', { error: errorText(error), entries: entries.length });
    }
  }

  function report(done: readonly ActionOutcome[] = []): ReconcileReport {
    return {
      at: now,
      spec,
      fenced,
      health: judged.health,
      statuses,
      transitions,
      outcomes: done,
      findings,
      conflicts,
      observed,
      unsettled: unsettledGroups.size > 0 || done.length > 0 || conflicts.length > 0,
    };
  }
}

function logOutcome(log: DecisionLogger, outcome: ActionOutcome): void {
  const a: Action = outcome.action;
  const fields = {
    group: a.group,
    resource: 'resource' in a ? a.resource : undefined,
    epoch: a.epoch,
    action: a.kind,
    reason: a.reason,
    result: outcome.result,
    elapsedMs: outcome.elapsedMs,
    target: a.kind === 'replace-route' ? a.routeTableId : a.kind === 'associate-address' ? a.allocationId : a.instanceId,
  };
  if (outcome.result === 'ok') log.info('action done', fields);
  else if (outcome.result === 'unknown') log.warn(`action outcome unknown, retrying next tick: ${outcome.error}`, fields);
  else log.error(`action failed: ${outcome.code} ${outcome.error}`, fields);
}
