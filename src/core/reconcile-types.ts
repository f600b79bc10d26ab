import type { ActionBatch, InFlight } from './ec2-work';
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
import type { CloudPort, FencingToken, HeartbeatPort, StatePort, StoredState } from './ports';

/** What one reconcile reaches the world through. */
export interface ReconcileDeps {
  readonly state: StatePort;
  readonly heartbeats: HeartbeatPort;
  readonly cloud: CloudPort;
  readonly clock: () => number;
  readonly logger?: Logger | undefined;
  /** Waits `ms` unless woken first; how a tick bounds its wait for EC2 work. @default a timer */
  readonly sleep?: ((ms: number, wake: AbortSignal) => Promise<void>) | undefined;
}

/** What a runner keeps between ticks (and hands over with the lease). */
export interface ReconcileMemory {
  baselines: LivenessBaselines;
  observation?: CloudObservation | undefined;
  /** When the observation the last judgement used was made: an observation that arrived after it is not judged yet. */
  judgedObservationAt?: number | undefined;
  /** Instance states learned from events, newer than the last observation. */
  instanceEvents: Record<string, { state: InstanceState; at: number }>;
  alarmingNodes: Set<NodeId>;
  /** The last time the heartbeats could not be known (see HealthSignals.blindAt). */
  blindAt?: number | undefined;
  /** When the heartbeats were last read (judge's clock): a long gap since is blind time too. */
  heartbeatsReadAt?: number | undefined;
  /** An observation under way, started by an earlier tick perhaps. */
  observing?: InFlight<CloudObservation> | undefined;
  /** Actions under way, started by an earlier tick perhaps. */
  acting?: ActionBatch | undefined;
  /** Members whose traffic actions were refused for lack of permission, and when. */
  unauthorized: Map<NodeId, number>;
  /** Elastic IPs this runner associated, and where and when: never associated twice within a settling interval. */
  associations: Map<string, { readonly networkInterfaceId: string; readonly at: number }>;
  /** The newest epoch seen per group: actions of an older epoch are not sent. */
  epochs: Map<string, number>;
  /** Findings logged as started and not yet as resolved, by what they concern. */
  findings: Map<string, Finding>;
  /** Route tables seen holding each protected route this process's lifetime (see vanished-routes.ts). */
  routesSeen: Map<string, Set<string>>;
}

export function newMemory(): ReconcileMemory {
  return { baselines: {}, instanceEvents: {}, alarmingNodes: new Set(), unauthorized: new Map(), associations: new Map(), epochs: new Map(), findings: new Map(), routesSeen: new Map() };
}

export interface ReconcileOptions {
  readonly fence: FencingToken;
  /** Read EC2 even if the last observation is younger than the drift-check interval. */
  readonly forceObserve?: boolean | undefined;
  /** Clock time by which every EC2 call and retry must be done (a Lambda's remaining time, less its stop margin). */
  readonly deadline?: number | undefined;
  /** Asked immediately before every mutating EC2 call: false when the runner cannot prove it still holds its lease. */
  readonly holdsLease?: (() => boolean) | undefined;
  /** How long a tick waits for EC2 work before carrying on without it. @default the check interval */
  readonly ec2WaitMs?: number | undefined;
  /** The state the runner read at the start of this tick (for the node events it carried); read here when absent. */
  readonly stored?: StoredState | undefined;
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
