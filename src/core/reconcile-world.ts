import { judgeNodes } from './health';
import { errorText, type Logger } from './logger';
import type { ClusterSpec, Finding, GroupStatus, Heartbeat, InstanceState, MalformedHeartbeat, NodeHealth, NodeId, Observed } from './model';
import { initialStatus } from './model';
import { settleWithin, startObservation } from './ec2-work';
import type { ReconcileDeps, ReconcileMemory, ReconcileOptions } from './reconcile-types';
import type { StoredState } from './ports';

/*
 * The reading phases of a reconcile: the stored state, the heartbeats, EC2 when due, and the
 * judgement of every node. Reading the state store may throw (then nothing is known and nothing
 * moves); unreadable heartbeats only make every node unknown; an unknown observation is recorded
 * as such by the cloud port, never thrown.
 */

export interface StoredWorld {
  readonly spec: ClusterSpec;
  /** Every group's status, `initialStatus` for a group never written. */
  readonly statuses: ReadonlyMap<string, GroupStatus>;
  readonly heartbeats: Observed<readonly Heartbeat[]>;
  readonly malformed: readonly MalformedHeartbeat[];
}

/**
 * Reads the stored state (unless the runner read it this tick), then the heartbeats. A failed state read throws (nothing is known);
 * either failing, the heartbeats taking longer than a beat to read, or a gap since the last read
 * longer than two beats and two ticks (a runner stuck in a call, paused, or between runs) makes
 * the time blind: what the judge did not look at is never held against a node.
 */
export async function readStoredWorld(deps: ReconcileDeps, memory: ReconcileMemory, log: Logger, preRead?: StoredState): Promise<StoredWorld> {
  let stored = preRead;
  try {
    stored ??= await deps.state.read();
  } catch (error) {
    memory.blindAt = deps.clock();
    throw error;
  }
  const { spec } = stored;
  const statuses = new Map<string, GroupStatus>();
  for (const group of spec.groups) statuses.set(group.id, stored.statuses.get(group.id) ?? initialStatus(group.id));
  const started = deps.clock();
  const read = await readHeartbeats(deps, log);
  const finished = deps.clock();
  const intervalMs = spec.defaults.heartbeat.intervalSeconds * 1000;
  const gapMs = 2 * (intervalMs + spec.defaults.checkIntervalSeconds * 1000);
  const lookedAway = memory.heartbeatsReadAt !== undefined && started - memory.heartbeatsReadAt > gapMs;
  if (!read.heartbeats.ok || finished - started > intervalMs || lookedAway) memory.blindAt = finished;
  if (read.heartbeats.ok) memory.heartbeatsReadAt = finished;
  return { spec, statuses, ...read };
}

async function readHeartbeats(deps: ReconcileDeps, log: Logger): Promise<Pick<StoredWorld, 'heartbeats' | 'malformed'>> {
  try {
    const { beats, malformed } = await deps.heartbeats.readHeartbeats();
    return { heartbeats: { ok: true, value: beats }, malformed };
  } catch (error) {
    log.warn('heartbeats unreadable; node health unknown this tick', { error: errorText(error) });
    return { heartbeats: { ok: false, reason: errorText(error) }, malformed: [] };
  }
}

/**
 * Starts reading EC2 when forced or when the last observation is older than the drift-check
 * interval, unless a read is already under way; never waits for it. Returns how to wait for it
 * later in the tick (at most the EC2 wait), starting one first when `urgent` (a decision was just
 * committed); true once a new observation is in memory.
 */
export function awaitObservation(deps: ReconcileDeps, memory: ReconcileMemory, spec: ClusterSpec, now: number, options: ReconcileOptions): (urgent: boolean) => Promise<boolean> {
  let fresh = absorbObservation(memory);
  const due = options.forceObserve || !memory.observation || now - memory.observation.at >= spec.defaults.driftCheckIntervalSeconds * 1000;
  if (due && !memory.observing) memory.observing = startObservation(deps.cloud, spec, now, options.deadline);
  return async (urgent) => {
    if (urgent && !memory.observing && !fresh) memory.observing = startObservation(deps.cloud, spec, deps.clock(), options.deadline);
    if (!memory.observing) return fresh;
    await settleWithin(memory.observing, options.ec2WaitMs ?? spec.defaults.checkIntervalSeconds * 1000, deps.sleep);
    fresh = absorbObservation(memory) || fresh;
    return fresh;
  };
}

/** Moves a finished observation into memory; true when there was one. */
function absorbObservation(memory: ReconcileMemory): boolean {
  const done = memory.observing?.settled;
  if (!done) return false;
  memory.observation = done.value;
  memory.observing = undefined;
  return true;
}

/** Judges every node from the heartbeats and what is known of its instance and alarm; keeps the new baselines in memory. */
export function judge(world: StoredWorld, memory: ReconcileMemory, now: number): { health: ReadonlyMap<NodeId, NodeHealth>; findings: readonly Finding[] } {
  absorbObservation(memory);
  const judged = judgeNodes({
    spec: world.spec,
    heartbeats: world.heartbeats,
    malformed: world.malformed,
    baselines: memory.baselines,
    blindAt: memory.blindAt,
    instanceStates: effectiveInstanceStates(memory),
    alarmingNodes: memory.alarmingNodes,
    now,
  });
  memory.baselines = judged.baselines;
  memory.judgedObservationAt = memory.observation?.at;
  return { health: judged.health, findings: judged.findings };
}

/**
 * An instance's state is whichever was seen later: the last observation of EC2 or the newest event.
 * Events carry EventBridge's whole-second time, so an event outweighs the observation only when
 * its second is later than the second the observation started in; a tie goes to the observation.
 * A late or replayed "stopped" therefore never overrides a "running" seen since. Describe may lag
 * a stop by a few seconds: a stop event newer than the observation wins until a later observation
 * speaks, and if that one still says running the heartbeats decide.
 */
export function effectiveInstanceStates(memory: ReconcileMemory): Record<string, InstanceState> {
  const { observation } = memory;
  const seen = observation?.instances.ok ? observation.instances.value : undefined;
  const states: Record<string, InstanceState> = { ...seen };
  const observedSecond = seen && observation ? wholeSecond(observation.at) : -Infinity;
  for (const [instanceId, event] of Object.entries(memory.instanceEvents)) {
    if (wholeSecond(event.at) > observedSecond) states[instanceId] = event.state;
  }
  return states;
}

const wholeSecond = (ms: number): number => Math.floor(ms / 1000);
