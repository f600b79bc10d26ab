import type {
  ClusterSpec,
  Heartbeat,
  InstanceState,
  LivenessBaseline,
  LivenessBaselines,
  NodeHealth,
  NodeId,
  Observed,
} from './model';

/*
 * Health judgement. A node is alive while its heartbeat sequence advances, as seen on the
 * judge's own clock: the timestamps an agent writes are never trusted, so clock skew can
 * neither fake life nor fake death. A node first seen (or never seen) is `unknown` until its
 * sequence advances or the missed-beat window elapses.
 */

/** Sequence number of a node never seen: any real heartbeat advances past it. */
const NEVER_SEEN = -1;

const DOWN_STATES: ReadonlySet<InstanceState> = new Set(['stopping', 'stopped', 'shutting-down', 'terminated', 'absent']);

export interface HealthSignals {
  readonly spec: ClusterSpec;
  readonly heartbeats: Observed<readonly Heartbeat[]>;
  readonly baselines: LivenessBaselines;
  /** From the last EC2 observation and state-change events; unknown states are ignored. */
  readonly instanceStates?: Readonly<Record<string, InstanceState>> | undefined;
  /** Nodes whose configured CloudWatch alarm is in ALARM. */
  readonly alarmingNodes?: ReadonlySet<NodeId> | undefined;
  readonly now: number;
}

export interface HealthJudgement {
  readonly health: ReadonlyMap<NodeId, NodeHealth>;
  readonly baselines: LivenessBaselines;
}

export function failureWindowMs(spec: ClusterSpec): number {
  return spec.defaults.heartbeat.missedBeats * spec.defaults.heartbeat.intervalSeconds * 1000;
}

export function judgeNodes(signals: HealthSignals): HealthJudgement {
  const { spec, now } = signals;
  const windowMs = failureWindowMs(spec);
  const byInstance = new Map<string, Heartbeat>();
  if (signals.heartbeats.ok) for (const hb of signals.heartbeats.value) byInstance.set(hb.instanceId, hb);

  const health = new Map<NodeId, NodeHealth>();
  const baselines: Record<NodeId, LivenessBaseline> = {};

  for (const node of spec.nodes) {
    const previous = signals.baselines[node.id];
    const heartbeat = byInstance.get(node.instanceId);

    let baseline: LivenessBaseline;
    let liveness: { state: NodeHealth['state']; reason: string };
    if (!signals.heartbeats.ok) {
      baseline = previous ?? { seq: NEVER_SEEN, seenAt: now };
      liveness = { state: 'unknown', reason: `heartbeats unreadable: ${signals.heartbeats.reason}` };
    } else if (previous === undefined) {
      // First sight proves nothing: the item may be a dead node's last word.
      baseline = { seq: heartbeat?.seq ?? NEVER_SEEN, seenAt: now };
      liveness = { state: 'unknown', reason: 'waiting for the heartbeat sequence to advance' };
    } else if (heartbeat !== undefined && heartbeat.seq > previous.seq) {
      baseline = { seq: heartbeat.seq, seenAt: now, healthySince: previous.healthySince };
      liveness = { state: 'healthy', reason: 'heartbeat advancing' };
    } else {
      baseline = previous;
      const silentMs = now - previous.seenAt;
      if (silentMs > windowMs) {
        liveness = {
          state: 'failed',
          reason:
            previous.seq === NEVER_SEEN
              ? `no heartbeat for ${(silentMs / 1000).toFixed(1)}s`
              : `heartbeat sequence stalled at ${previous.seq} for ${(silentMs / 1000).toFixed(1)}s`,
        };
      } else if (previous.healthySince !== undefined) {
        liveness = { state: 'healthy', reason: 'heartbeat within window' };
      } else {
        liveness = { state: 'unknown', reason: 'waiting for the heartbeat sequence to advance' };
      }
    }

    const verdict = overrideByOtherSignals(liveness, {
      heartbeat: signals.heartbeats.ok ? heartbeat : undefined,
      instanceState: signals.instanceStates?.[node.instanceId],
      alarming: signals.alarmingNodes?.has(node.id) ?? false,
    });
    const healthySince = verdict.state === 'healthy' ? (baseline.healthySince ?? now) : undefined;
    baselines[node.id] = { seq: baseline.seq, seenAt: baseline.seenAt, healthySince };
    health.set(node.id, { node: node.id, state: verdict.state, reason: verdict.reason, healthySince });
  }
  return { health, baselines };
}

function overrideByOtherSignals(
  liveness: { state: NodeHealth['state']; reason: string },
  other: { heartbeat: Heartbeat | undefined; instanceState: InstanceState | undefined; alarming: boolean },
): { state: NodeHealth['state']; reason: string } {
  if (other.instanceState !== undefined && DOWN_STATES.has(other.instanceState))
    return { state: 'failed', reason: `instance is ${other.instanceState}` };
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
