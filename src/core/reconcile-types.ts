import type { Logger } from './logger';
import type {
  ActionOutcome,
  ClusterSpec,
  CloudObservation,
  Finding,
  GroupStatus,
  InstanceState,
  LivenessBaselines,
  NodeHealth,
  NodeId,
  Transition,
} from './model';
import type { CloudPort, FencingToken, HeartbeatPort, StatePort } from './ports';

/** What one reconcile reaches the world through. */
export interface ReconcileDeps {
  readonly state: StatePort;
  readonly heartbeats: HeartbeatPort;
  readonly cloud: CloudPort;
  readonly clock: () => number;
  readonly logger?: Logger | undefined;
}

/** What a runner keeps between ticks (and hands over with the lease). */
export interface ReconcileMemory {
  baselines: LivenessBaselines;
  observation?: CloudObservation | undefined;
  /** Instance states learned from events, newer than the last observation. */
  instanceEvents: Record<string, { state: InstanceState; at: number }>;
  alarmingNodes: Set<NodeId>;
  /** The last time the heartbeats could not be known (see HealthSignals.blindAt). */
  blindAt?: number | undefined;
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
