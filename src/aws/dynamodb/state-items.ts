import type { GroupStatus, OperatorRequest, Phase, Transition } from '../../core/model';
import { initialStatus } from '../../core/model';
import { ResourceItemKey } from '../../names';

/*
 * The shape of the items of the resources table and the mapping between a group's status
 * and the attributes it occupies on each resource item. The spec apply and the state store
 * both use it, so the status attributes an apply must preserve are named in one place.
 */

/** Spec bookkeeping shared by the cluster item and the resource items. */
export interface SpecAttributes {
  /** sha256 of the canonical JSON of `spec`: changes with every edit, whoever makes it. */
  readonly specHash: string;
  /** The hash the last `init` wrote; differs from `specHash` once someone else edited the item. */
  readonly appliedHash?: string | undefined;
  readonly lastWriter?: string | undefined;
  readonly updatedAt?: number | undefined;
}

/** Cluster-wide part of the config: everything but the resources. */
export interface ClusterSpecDocument {
  readonly cluster: string;
  readonly region: string;
  readonly defaults: unknown;
  readonly nodes: readonly unknown[];
}

export interface ClusterItem extends SpecAttributes {
  readonly pk: typeof ResourceItemKey.cluster;
  readonly kind: 'cluster';
  readonly spec: ClusterSpecDocument;
}

/** The status attributes of a resource item; absent until the group's status is first written. */
export interface StatusAttributes {
  readonly owner?: string | null | undefined;
  readonly epoch?: number | undefined;
  readonly phase?: Phase | undefined;
  readonly version?: number | undefined;
  readonly maintenance?: boolean | undefined;
  readonly repairFailures?: number | undefined;
  readonly excluded?: readonly string[] | undefined;
  readonly fenceNode?: string | undefined;
  readonly request?: OperatorRequest | undefined;
  readonly lastTransition?: Transition | undefined;
  /** Holder of the lease that wrote the status last: for the curious operator, never read back. */
  readonly statusWrittenBy?: string | undefined;
}

export interface ResourceItem extends SpecAttributes, StatusAttributes {
  readonly pk: string;
  readonly kind: 'resource';
  readonly resourceId: string;
  readonly group: string;
  /** The resource as the validated config has it (defaults filled in). */
  readonly spec: { readonly id: string; readonly group?: string | undefined } & Record<string, unknown>;
}

/** Every status attribute, in the order they are written. */
export const STATUS_ATTRIBUTES = [
  'owner',
  'epoch',
  'phase',
  'version',
  'maintenance',
  'repairFailures',
  'excluded',
  'fenceNode',
  'request',
  'lastTransition',
  'statusWrittenBy',
] as const;

export type StatusAttributeName = (typeof STATUS_ATTRIBUTES)[number];

export function isClusterItem(item: Record<string, unknown>): item is ClusterItem & Record<string, unknown> {
  return item.kind === 'cluster' && item.pk === ResourceItemKey.cluster;
}

export function isResourceItem(item: Record<string, unknown>): item is ResourceItem & Record<string, unknown> {
  return item.kind === 'resource' && typeof item.resourceId === 'string' && typeof item.group === 'string';
}

/** The stored version of an item's status; 0 when the group has none yet. */
export function storedVersion(item: StatusAttributes): number {
  return typeof item.version === 'number' ? item.version : 0;
}

export function hasStatus(item: StatusAttributes): boolean {
  return typeof item.version === 'number';
}

/**
 * The status an item carries. Missing attributes take their initial values: an operator
 * request recorded before the first reconcile writes only `request` and `version`.
 */
export function statusFromItem(group: string, item: StatusAttributes): GroupStatus {
  const initial = initialStatus(group);
  return {
    group,
    owner: item.owner ?? initial.owner,
    epoch: item.epoch ?? initial.epoch,
    phase: item.phase ?? initial.phase,
    version: storedVersion(item),
    maintenance: item.maintenance ?? initial.maintenance,
    repairFailures: item.repairFailures ?? initial.repairFailures,
    excluded: item.excluded ? [...item.excluded] : [],
    fenceNode: item.fenceNode ?? undefined,
    request: item.request ?? undefined,
    lastTransition: item.lastTransition ?? undefined,
  };
}

/** The status attributes to write for `status`; undefined ones are to be removed from the item. */
export function statusAttributes(status: GroupStatus, writtenBy: string | undefined): Record<StatusAttributeName, unknown> {
  return {
    owner: status.owner,
    epoch: status.epoch,
    phase: status.phase,
    version: status.version,
    maintenance: status.maintenance,
    repairFailures: status.repairFailures,
    excluded: [...status.excluded],
    fenceNode: status.fenceNode,
    request: status.request,
    lastTransition: status.lastTransition,
    statusWrittenBy: writtenBy,
  };
}

/** Copies the status attributes an item holds, verbatim (used to hand a group's status to a new member). */
export function copyStatusAttributes(item: StatusAttributes): Partial<Record<StatusAttributeName, unknown>> {
  const copy: Partial<Record<StatusAttributeName, unknown>> = {};
  for (const name of STATUS_ATTRIBUTES) {
    if (item[name] !== undefined) copy[name] = item[name];
  }
  return copy;
}
