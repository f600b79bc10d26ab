import type {
  ClusterSpec,
  Finding,
  Heartbeat,
  InstanceState,
  LivenessBaseline,
  LivenessBaselines,
  MalformedHeartbeat,
  NodeHealth,
  NodeId,
  NodeSpec,
  Observed,
} from './model';
import { beatTiming, failureDueAt, silenceMs, stableGapMs } from './beat-time';

/*
 * Health judgement. A node is alive while its heartbeat sequence advances, as seen on the
 * judge's own clock. A node's own beat times count only for that node and only within the lag
 * the judge measured between its clock and the node's (`beat-time.ts`): they tell a run that has
 * just started how long ago the owner last beat, and a skewed clock can neither fake life (an
 * advance is needed) nor fail a node the judge has not itself watched silent for a beat and a
 * quarter. A node first seen (or never seen) is `unknown` until its sequence advances or the
 * missed-beat window elapses.
 *
 * What the judge could not see is never held against a node: time during which the heartbeats
 * could not be read, and a settling window of one missed-beat window after reads recover, never
 * count as silence; and when every node's heartbeat stalls at once, that is the store or the
 * network, not the nodes, so none of them is failed for it. One node's item, however malformed,
 * affects only that node: it counts as a missed beat.
 */

/** Sequence number of a node never seen: any real heartbeat advances past it. */
const NEVER_SEEN = -1;

const DOWN_STATES: ReadonlySet<InstanceState> = new Set(['stopping', 'stopped', 'shutting-down', 'terminated', 'absent']);

export interface HealthSignals {
  readonly spec: ClusterSpec;
  readonly heartbeats: Observed<readonly Heartbeat[]>;
  /** Items of the heartbeats table that failed validation: each counts as no beat from its node. */
  readonly malformed?: readonly MalformedHeartbeat[] | undefined;
  readonly baselines: LivenessBaselines;
  /**
   * The last time (judge's clock) the judge could not know the heartbeats: a failed or too slow
   * read, a failed tick, a lease taken over from a holder that vanished. Silence before it plus
   * one missed-beat window never fails a node.
   */
  readonly blindAt?: number | undefined;
  /** From the last EC2 observation and state-change events; unknown states are ignored. */
  readonly instanceStates?: Readonly<Record<string, InstanceState>> | undefined;
  /** Nodes whose configured CloudWatch alarm is in ALARM. */
  readonly alarmingNodes?: ReadonlySet<NodeId> | undefined;
  readonly now: number;
}

export interface HealthJudgement {
  readonly health: ReadonlyMap<NodeId, NodeHealth>;
  readonly baselines: LivenessBaselines;
  readonly findings: readonly Finding[];
}

type Liveness = { state: NodeHealth['state']; reason: string };

export function failureWindowMs(spec: ClusterSpec): number {
  return spec.defaults.heartbeat.missedBeats * spec.defaults.heartbeat.intervalSeconds * 1000;
}

export function judgeNodes(signals: HealthSignals): HealthJudgement {
  const { spec } = signals;
  const byInstance = new Map<string, Heartbeat>();
  if (signals.heartbeats.ok) for (const hb of signals.heartbeats.value) byInstance.set(hb.instanceId, hb);
  const findings = malformedFindings(spec, signals.malformed ?? []);
  const malformed = new Set((signals.malformed ?? []).map((m) => m.instanceId));

  const judged = spec.nodes.map((node) => {
    // A malformed item is no beat: the node's baseline stands still, as if the beat was missed.
    const heartbeat = malformed.has(node.instanceId) ? undefined : byInstance.get(node.instanceId);
    try {
      return { node, ...judgeLiveness(signals, node, heartbeat) };
    } catch (error) {
      // Defence in depth: one node's judgement never throws for the others.
      const reason = `could not be judged: ${error instanceof Error ? error.message : String(error)}`;
      findings.push({ code: 'EC2F-R008', severity: 'warning', node: node.id, message: `node ${node.id} ${reason}` });
      const baseline = signals.baselines[node.id] ?? { seq: NEVER_SEEN, seenAt: signals.now };
      return { node, heartbeat: undefined, baseline, liveness: { state: 'unknown' as const, reason } };
    }
  });

  const together = stalledTogether(spec, judged);
  if (together.size > 0) {
    findings.push({
      code: 'EC2F-R012',
      severity: 'error',
      message: `the heartbeats of ${[...together].join(', ')} stalled together and no node's advances: the store or the network, not the nodes; nothing moves until they advance again`,
    });
  }
  const health = new Map<NodeId, NodeHealth>();
  const baselines: Record<NodeId, LivenessBaseline> = {};
  for (const { node, heartbeat, baseline, liveness } of judged) {
    const seen = together.has(node.id) ? storeOrNetwork(liveness) : liveness;
    const verdict = overrideByOtherSignals(seen, {
      heartbeat,
      instanceState: signals.instanceStates?.[node.instanceId],
      alarming: signals.alarmingNodes?.has(node.id) ?? false,
    });
    const healthy = verdict.state === 'healthy';
    const healthySince = healthy ? (baseline.healthySince ?? signals.now) : undefined;
    const stableSince = healthy ? (baseline.stableSince ?? signals.now) : undefined;
    baselines[node.id] = { ...baseline, healthySince, stableSince };
    // Its heartbeat stalled: whatever else is said of it, its agent is taken to be gone.
    const silent = seen.state === 'failed' ? true : undefined;
    health.set(node.id, { node: node.id, state: verdict.state, reason: verdict.reason, silent, healthySince: stableSince });
  }
  return { health, baselines, findings };
}

/** What the heartbeat sequence alone says of one node, and the baseline to keep. */
function judgeLiveness(signals: HealthSignals, node: NodeSpec, heartbeat: Heartbeat | undefined): { heartbeat: Heartbeat | undefined; baseline: LivenessBaseline; liveness: Liveness } {
  const { spec, now } = signals;
  const previous = signals.baselines[node.id];
  if (!signals.heartbeats.ok) {
    return {
      heartbeat: undefined,
      baseline: previous ?? { seq: NEVER_SEEN, seenAt: now },
      liveness: { state: 'unknown', reason: `heartbeats unreadable: ${signals.heartbeats.reason}` },
    };
  }
  if (previous === undefined) {
    // First sight proves nothing: the item may be a dead node's last word.
    return {
      heartbeat,
      baseline: { seq: heartbeat?.seq ?? NEVER_SEEN, seenAt: now, incarnation: heartbeat?.incarnation },
      liveness: { state: 'unknown', reason: 'waiting for the heartbeat sequence to advance' },
    };
  }
  if (heartbeat !== undefined && heartbeat.seq > previous.seq) {
    const restarted = previous.incarnation !== undefined && heartbeat.incarnation !== undefined && heartbeat.incarnation !== previous.incarnation;
    const stableSince = restarted || gapped(spec, previous, heartbeat, now) ? now : previous.stableSince;
    const baseline: LivenessBaseline = {
      seq: heartbeat.seq,
      seenAt: now,
      healthySince: previous.healthySince,
      stableSince,
      incarnation: heartbeat.incarnation ?? previous.incarnation,
      ...beatTiming(spec, previous, heartbeat, now),
    };
    // Seen only now, but sent long ago: a dead node's last word, read by a run that just started.
    if (baseline.aliveAt !== undefined && now - baseline.aliveAt > failureWindowMs(spec)) {
      return { heartbeat, baseline, liveness: stalledLiveness(signals, baseline, now - baseline.aliveAt) };
    }
    return { heartbeat, baseline, liveness: { state: 'healthy', reason: 'heartbeat advancing' } };
  }
  const silentMs = silenceMs(previous, now);
  // A gap longer than a beat ends stability (the dwell starts over), though not yet liveness.
  const baseline = silentMs > stableGapMs(spec) ? { ...previous, stableSince: undefined } : previous;
  return { heartbeat, baseline, liveness: stalledLiveness(signals, previous, silentMs) };
}

/**
 * Whether the node missed beats between two sightings: more than a beat and a tick between them,
 * unless its sequence advanced by as many beats as the time between them holds (a run that
 * starts a minute after the last one sees a long time pass, but every beat sent in it).
 */
function gapped(spec: ClusterSpec, previous: LivenessBaseline, heartbeat: Heartbeat, now: number): boolean {
  const elapsedMs = now - previous.seenAt;
  if (elapsedMs <= stableGapMs(spec)) return false;
  const beatsMs = (heartbeat.seq - previous.seq) * spec.defaults.heartbeat.intervalSeconds * 1000;
  return elapsedMs - beatsMs > stableGapMs(spec);
}

function stalledLiveness(signals: HealthSignals, previous: LivenessBaseline, silentMs: number): Liveness {
  const windowMs = failureWindowMs(signals.spec);
  const settled = signals.blindAt === undefined || signals.now - signals.blindAt > windowMs + stableGapMs(signals.spec);
  const due = signals.now > failureDueAt(previous, signals.spec, windowMs);
  if (due && settled) {
    return {
      state: 'failed',
      reason:
        previous.seq === NEVER_SEEN
          ? `no heartbeat for ${(silentMs / 1000).toFixed(1)}s`
          : `heartbeat sequence stalled at ${previous.seq} for ${(silentMs / 1000).toFixed(1)}s`,
    };
  }
  if (due) {
    return { state: 'unknown', reason: `heartbeat silent for ${(silentMs / 1000).toFixed(1)}s, but heartbeats were unreadable ${((signals.now - signals.blindAt!) / 1000).toFixed(1)}s ago: settling` };
  }
  if (silentMs > windowMs) return { state: 'unknown', reason: `last beat sent ${(silentMs / 1000).toFixed(1)}s ago: watching for it to advance` };
  if (previous.healthySince !== undefined) return { state: 'healthy', reason: 'heartbeat within window' };
  return { state: 'unknown', reason: 'waiting for the heartbeat sequence to advance' };
}

/**
 * Nodes failed for silence whose sequences stopped within one beat of each other while no node's
 * advances: two or more nodes going quiet together cannot be told apart from the store or the
 * network failing, so none of them is failed for it. A node silent long before is not counted.
 */
function stalledTogether(spec: ClusterSpec, judged: readonly { node: NodeSpec; baseline: LivenessBaseline; liveness: Liveness }[]): Set<NodeId> {
  if (judged.some((j) => j.liveness.state === 'healthy')) return new Set();
  const stalled = judged.filter((j) => j.liveness.state === 'failed' && j.baseline.seq !== NEVER_SEEN);
  if (stalled.length < 2) return new Set();
  const lastAlive = (b: LivenessBaseline) => Math.min(b.seenAt, b.aliveAt ?? b.seenAt);
  const newest = Math.max(...stalled.map((j) => lastAlive(j.baseline)));
  const together = stalled.filter((j) => newest - lastAlive(j.baseline) <= stableGapMs(spec));
  return together.length < 2 ? new Set() : new Set(together.map((j) => j.node.id));
}

function storeOrNetwork(liveness: Liveness): Liveness {
  return { state: 'unknown', reason: `${liveness.reason}, together with other nodes: the store or the network, not the nodes` };
}

function malformedFindings(spec: ClusterSpec, malformed: readonly MalformedHeartbeat[]): Finding[] {
  const findings: Finding[] = [];
  for (const item of malformed) {
    const node = spec.nodes.find((n) => n.instanceId === item.instanceId);
    if (!node) continue; // not a member: its items are nobody's business here
    findings.push({
      code: 'EC2F-R008',
      severity: 'warning',
      node: node.id,
      message: `heartbeat item of node ${node.id} (${node.instanceId}) is malformed and counts as a missed beat: ${item.problem}`,
    });
  }
  return findings;
}

function overrideByOtherSignals(liveness: Liveness, other: { heartbeat: Heartbeat | undefined; instanceState: InstanceState | undefined; alarming: boolean }): Liveness {
  if (other.instanceState !== undefined && DOWN_STATES.has(other.instanceState)) return { state: 'failed', reason: `instance is ${other.instanceState}` };
  if (other.alarming) return { state: 'failed', reason: 'its CloudWatch alarm is in ALARM' };
  if (other.heartbeat?.leaving) return { state: 'failed', reason: 'node is leaving (graceful stop)' };
  if (liveness.state !== 'healthy') return liveness;
  const failing = other.heartbeat?.checks.filter((c) => c.required && !c.ok) ?? [];
  if (failing.length > 0)
    return {
      state: 'failed',
      reason: `required check${failing.length > 1 ? 's' : ''} failing: ${failing.map((c) => (c.detail ? `${c.name} (${c.detail})` : c.name)).join(', ')}`,
    };
  return liveness;
}
