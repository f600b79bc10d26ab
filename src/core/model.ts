import type { ErrorCode } from './error-codes';
/*
 * The domain model shared by every part of ec2-failover. Pure types: no AWS SDK, no Lambda.
 * Times are milliseconds on the clock of whoever judges (the reconciler's own clock).
 */

export type NodeId = string;
export type GroupId = string;
export type ResourceId = string;
export type Switchback = 'intelligent' | 'automatic';
export type Fencing = 'none' | 'stop';

export interface Tunables {
  readonly apiCallTimeoutSeconds: number;
  readonly restoreTimeoutSeconds: number;
  readonly removeTimeoutSeconds: number;
  readonly recoverTimeoutSeconds: number;
  readonly quickCheckTimeoutSeconds: number;
  readonly maxRetry: number;
}

export interface Defaults {
  readonly heartbeat: { readonly intervalSeconds: number; readonly missedBeats: number };
  readonly switchback: Switchback;
  readonly checkIntervalSeconds: number;
  readonly driftCheckIntervalSeconds: number;
  readonly switchbackDwellSeconds: number;
  readonly fencing: Fencing;
  readonly tunables: Tunables;
}

export interface NodeSpec {
  readonly id: NodeId;
  readonly instanceId: string;
  readonly alarmName?: string | undefined;
}

export interface MemberSpec {
  readonly node: NodeId;
  readonly eni: string;
  readonly priority: number;
  /** EIP mode only: the private address of the ENI to associate with. */
  readonly privateIp?: string | undefined;
}

export type RouteTableSelector = 'all' | readonly string[] | { readonly tag: Readonly<Record<string, string>> };

interface ResourceSpecBase {
  readonly id: ResourceId;
  readonly group: GroupId;
  readonly switchback: Switchback;
  readonly fencing: Fencing;
  /** Sorted by priority, best (lowest number) first. */
  readonly members: readonly MemberSpec[];
}

export interface RouteResourceSpec extends ResourceSpecBase {
  readonly mode: 'route';
  readonly vpcId: string;
  readonly vpcCidr?: string | undefined;
  readonly destination: string;
  readonly routeTables: RouteTableSelector;
}

export interface EipResourceSpec extends ResourceSpecBase {
  readonly mode: 'eip';
  readonly allocationId: string;
}

export type ResourceSpec = RouteResourceSpec | EipResourceSpec;

/** Resources that share one owner and move together. An ungrouped resource is a group of one. */
export interface GroupSpec {
  readonly id: GroupId;
  readonly resourceIds: ResourceId[];
  /** Member nodes, best priority first (the same order in every resource of the group). */
  readonly nodesByPriority: readonly NodeId[];
  readonly switchback: Switchback;
  readonly fencing: Fencing;
  readonly switchbackDwellSeconds: number;
}

export interface ClusterSpec {
  readonly cluster: string;
  readonly region: string;
  readonly defaults: Defaults;
  readonly nodes: readonly NodeSpec[];
  readonly resources: readonly ResourceSpec[];
  readonly groups: readonly GroupSpec[];
}

// ---- Status and ownership -------------------------------------------------------------

export type Phase = 'steady' | 'failing-over';

export type TransitionReason = 'initial' | 'failover' | 'repair-failed' | 'switchover' | 'switchback';

export type OperatorRequest =
  | { readonly kind: 'switchover'; readonly to: NodeId; readonly id: string; readonly requestedAt: number }
  | { readonly kind: 'maintenance'; readonly enabled: boolean; readonly id: string; readonly requestedAt: number };

export interface Transition {
  readonly at: number;
  readonly from: NodeId | null;
  readonly to: NodeId;
  readonly reason: TransitionReason;
  readonly epoch: number;
  readonly detail: string;
  /**
   * The old owner had gone silent (its heartbeat sequence stalled) when it lost the group: its
   * agent is taken to be gone, so the new owner does not wait for a release it cannot send.
   */
  readonly fromSilent?: boolean | undefined;
}

/** Per group. Changes only by a conditional write on `version`; `epoch` grows with every owner change. */
export interface GroupStatus {
  readonly group: GroupId;
  readonly owner: NodeId | null;
  readonly epoch: number;
  readonly phase: Phase;
  readonly version: number;
  readonly maintenance: boolean;
  /** Consecutive terminal failures of local recovery on the current owner. */
  readonly repairFailures: number;
  /** Members ruled out after terminal repair failures; an operator switchover to one clears it. */
  readonly excluded: readonly NodeId[];
  /** The node to stop before traffic moves (fencing: stop), until the failover completes. */
  readonly fenceNode?: NodeId | undefined;
  readonly request?: OperatorRequest | undefined;
  readonly lastTransition?: Transition | undefined;
}

export function initialStatus(group: GroupId): GroupStatus {
  return { group, owner: null, epoch: 0, phase: 'steady', version: 0, maintenance: false, repairFailures: 0, excluded: [] };
}

// ---- Node health ---------------------------------------------------------------------

export interface HealthCheckResult {
  readonly name: string;
  readonly ok: boolean;
  readonly required: boolean;
  readonly detail?: string | undefined;
}

/** What an agent writes, keyed by its instance id. `sentAt` is the agent's clock: informative only. */
export interface Heartbeat {
  readonly instanceId: string;
  readonly seq: number;
  readonly sentAt: number;
  readonly leaving: boolean;
  readonly checks: readonly HealthCheckResult[];
  readonly agentVersion?: string | undefined;
  /** Changes each time the agent process starts: a restart is visible even when the sequence keeps growing. */
  readonly incarnation?: string | undefined;
  /** What the agent last did per group: how a new owner knows the old one has let go. */
  readonly groups?: Readonly<Record<GroupId, GroupReport>> | undefined;
  /** How soon this agent stands down after losing ownership; see `ReleaseBounds`. */
  readonly release?: ReleaseBounds | undefined;
}

/**
 * One agent's word on one group. `releasing`: its deactivation for `epoch` is under way.
 * `standby` at an epoch: it has acted on that epoch's status and serves nothing for the group.
 */
export interface GroupReport {
  readonly epoch: number;
  readonly role: 'active' | 'standby' | 'failed' | 'releasing';
}

/** Bounds an agent states of itself, so a new owner knows how long an unanswered release can take. */
export interface ReleaseBounds {
  /** The longest its deactivation takes, hooks included. */
  readonly deactivateMs: number;
  /**
   * With self-fencing on: the longest from its last confirmed read of the status until it has
   * stood down (the lease, one poll, one read, the deactivation). Absent: no self-fencing.
   */
  readonly fenceMs?: number | undefined;
}

/** A heartbeat item that failed validation: counts as no beat from that node, never as a verdict. */
export interface MalformedHeartbeat {
  /** The item's key, when it had a readable one. */
  readonly instanceId?: string | undefined;
  /** What was wrong, for the finding that names the node. */
  readonly problem: string;
}

/** One read of the heartbeats table: every valid item, and the items that were rejected. */
export interface HeartbeatRead {
  readonly beats: readonly Heartbeat[];
  readonly malformed: readonly MalformedHeartbeat[];
}

export type HealthState = 'healthy' | 'failed' | 'unknown';

export interface NodeHealth {
  readonly node: NodeId;
  readonly state: HealthState;
  readonly reason: string;
  /** Failed because its heartbeat sequence stalled (not for a check, a leave, an alarm or the instance state). */
  readonly silent?: boolean | undefined;
  /**
   * Since when (judge's clock) the node has been stable: healthy, its heartbeats advancing without
   * a gap longer than one interval, and no agent restart. What automatic switchback's dwell counts.
   */
  readonly healthySince?: number | undefined;
}

/** Per node: the last heartbeat sequence seen and when, on the judge's own clock. */
export interface LivenessBaseline {
  readonly seq: number;
  readonly seenAt: number;
  /** Since when the node has been healthy without a break (liveness). */
  readonly healthySince?: number | undefined;
  /** Since when the node has been stable (no gap longer than an interval, no restart): for the dwell. */
  readonly stableSince?: number | undefined;
  /** The agent incarnation of the last beat seen: a change is a restart. */
  readonly incarnation?: string | undefined;
  /**
   * When the node last proved alive (judge's clock): its last beat's own time, corrected by the
   * most its clock was ever measured behind the judge's (`lagMs`). Earlier than `seenAt` by the
   * time the beat took to be read; unset until a lag is measured. See `beat-time.ts`.
   */
  readonly aliveAt?: number | undefined;
  /** The smallest `seen − sentAt` of this node's beats: how far its clock is behind the judge's, at most, as of `lagAt`. */
  readonly lagMs?: number | undefined;
  readonly lagAt?: number | undefined;
}

export type LivenessBaselines = Readonly<Record<NodeId, LivenessBaseline>>;

// ---- Observed cloud state -------------------------------------------------------------

/** An observation either succeeded, or is unknown (timeout, throttle, 5xx): never a reason to fail over. */
export type Observed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

export interface RouteEntry {
  readonly destination: string;
  readonly networkInterfaceId?: string | undefined;
  /** Any other target (gateway, instance, …) in a readable form. */
  readonly otherTarget?: string | undefined;
  readonly state: 'active' | 'blackhole';
}

export interface RouteTableObservation {
  readonly routeTableId: string;
  readonly vpcId: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly routes: readonly RouteEntry[];
}

export interface AddressObservation {
  readonly allocationId: string;
  readonly exists: boolean;
  readonly publicIp?: string | undefined;
  readonly networkInterfaceId?: string | undefined;
  readonly privateIp?: string | undefined;
}

export interface InterfaceObservation {
  readonly networkInterfaceId: string;
  readonly exists: boolean;
  /** The instance it is attached to, when attached. */
  readonly attachedInstanceId?: string | undefined;
  readonly sourceDestCheck?: boolean | undefined;
}

export type InstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated' | 'absent';

export interface CloudObservation {
  readonly at: number;
  /** Per VPC: every route table that holds a protected destination of that VPC. */
  readonly routeTables: Readonly<Record<string, Observed<readonly RouteTableObservation[]>>>;
  readonly addresses: Observed<Readonly<Record<string, AddressObservation>>>;
  readonly instances: Observed<Readonly<Record<string, InstanceState>>>;
  /** Every member's ENI, by id: a member whose ENI is gone or detached cannot receive traffic. */
  readonly interfaces?: Observed<Readonly<Record<string, InterfaceObservation>>> | undefined;
  /** Every CIDR block (primary and secondary) of each protected VPC, by VPC id. */
  readonly vpcCidrs?: Observed<Readonly<Record<string, readonly string[]>>> | undefined;
}

// ---- Actions and their outcomes -------------------------------------------------------

export type ActionReason = 'drift' | TransitionReason;

export type Action =
  | {
      readonly kind: 'replace-route';
      readonly group: GroupId;
      readonly resource: ResourceId;
      readonly epoch: number;
      readonly reason: ActionReason;
      readonly routeTableId: string;
      readonly destination: string;
      readonly networkInterfaceId: string;
    }
  | {
      readonly kind: 'associate-address';
      readonly group: GroupId;
      readonly resource: ResourceId;
      readonly epoch: number;
      readonly reason: ActionReason;
      readonly allocationId: string;
      readonly networkInterfaceId: string;
      readonly privateIp?: string | undefined;
    }
  | {
      readonly kind: 'stop-instance';
      readonly group: GroupId;
      readonly epoch: number;
      readonly reason: 'fencing';
      readonly node: NodeId;
      readonly instanceId: string;
    };

/** `unknown` = throttled, timed out or 5xx after retries; `terminal` = retrying cannot help. */
export type ActionOutcome =
  | { readonly action: Action; readonly result: 'ok'; readonly elapsedMs: number }
  | { readonly action: Action; readonly result: 'unknown'; readonly error: string; readonly elapsedMs: number }
  | {
      readonly action: Action;
      readonly result: 'terminal';
      readonly code: ErrorCode;
      /** What the refusal means: for ownership, only a gone resource counts against the owner. */
      readonly cause: RefusalCause;
      readonly error: string;
      readonly elapsedMs: number;
    };

/**
 * Why EC2 refused an action for good: `gone` (an ENI, route, table or allocation does not exist),
 * `instance-gone` (the instance to stop does not exist: it cannot serve either), `unauthorized`
 * (the control plane's own permissions: never held against a node), `rejected` (anything else).
 */
export type RefusalCause = 'gone' | 'instance-gone' | 'unauthorized' | 'rejected';

// ---- Findings and history --------------------------------------------------------------

/** Something an operator should know that needs no change of state: logged, counted, alarmed on. */
export interface Finding {
  readonly code: ErrorCode;
  readonly severity: 'info' | 'warning' | 'error';
  /** The group it concerns; absent for a finding about a node alone. */
  readonly group?: GroupId | undefined;
  /** The node it concerns, when it is about one node. */
  readonly node?: NodeId | undefined;
  readonly resource?: ResourceId | undefined;
  /** The route table it concerns, when it is about one table of a resource. */
  readonly routeTable?: string | undefined;
  readonly message: string;
}

export type HistoryKind = 'transition' | 'repair' | 'request' | 'maintenance' | 'phase';

export interface HistoryEntry {
  readonly at: number;
  readonly group: GroupId;
  readonly kind: HistoryKind;
  readonly epoch: number;
  readonly message: string;
  readonly resource?: ResourceId | undefined;
  readonly details?: Readonly<Record<string, unknown>> | undefined;
}

/** What an EventBridge event tells about a node: its instance's new state, or its alarm's. */
export type NodeSignal =
  | { readonly kind: 'instance-state'; readonly instanceId: string; readonly state: InstanceState }
  | { readonly kind: 'alarm'; readonly alarmName: string; readonly alarming: boolean };
