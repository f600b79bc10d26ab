import { z } from 'zod';
import type { GroupStatus, OperatorRequest, Phase, Transition } from '../../core/model';
import { initialStatus } from '../../core/model';
import { REPAIR_ITEM_BY_HAND, StoredSpecInvalidError, StoredStatusInvalidError } from './errors';
import { checkItem, convertDocument, storedInteger, storedNumber } from './item-schema';
import { ResourceItemKey } from '../../names';

/*
 * The shape of the items of the resources table and the mapping between a group's status
 * and the attributes it occupies on each resource item. The spec apply and the state store
 * both use it, so the status attributes an apply must preserve are named in one place.
 *
 * Every item is checked when read, in three parts, each failing in its own way:
 * - its key and bookkeeping (kind, resourceId, group, hashes): unreadable, the item is
 *   refused at once (EC2F-D002), since it cannot even be placed in the spec;
 * - its spec document: converted (a number JavaScript cannot hold stays its text) and the
 *   problem kept, so a read of the spec refuses it (EC2F-D002) while `init --force` can still
 *   overwrite it;
 * - its status attributes: the problem kept, so only what needs this group's status refuses
 *   it (EC2F-D009) and the other groups stay readable.
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
  /** Why the spec document cannot be trusted (a number JavaScript cannot hold); a spec read refuses it. */
  readonly specProblem?: string | undefined;
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
  /** Why the spec document cannot be trusted (a number JavaScript cannot hold); a spec read refuses it. */
  readonly specProblem?: string | undefined;
  /** Set when the status attributes did not validate (they are then left out): every status accessor throws it. */
  readonly statusError?: StoredStatusInvalidError | undefined;
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

const RESOURCE_KEY_PREFIX = ResourceItemKey.resource('');

/** The cluster item by its key or its kind (a kind on the wrong key is refused when read, not passed by). */
export function isClusterItem(item: Record<string, unknown>): boolean {
  return item.pk === ResourceItemKey.cluster || item.kind === 'cluster';
}

/** A resource item by its key or its kind; lease, signal and other items have keys of their own. */
export function isResourceItem(item: Record<string, unknown>): boolean {
  return (typeof item.pk === 'string' && item.pk.startsWith(RESOURCE_KEY_PREFIX)) || item.kind === 'resource';
}

// ---- Checking items as read ----------------------------------------------------------------

/** Informative only: a malformed value is dropped rather than refusing the item. */
const informative = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

const specAttributesSchema = {
  specHash: z.string(),
  appliedHash: z.string().optional(),
  lastWriter: informative(z.string()),
  updatedAt: informative(storedNumber()),
};

const clusterItemSchema = z.object({
  pk: z.literal(ResourceItemKey.cluster),
  kind: z.literal('cluster'),
  spec: z.record(z.string(), z.unknown()),
  ...specAttributesSchema,
});

const resourceItemSchema = z
  .object({
    pk: z.string().startsWith(RESOURCE_KEY_PREFIX),
    kind: z.literal('resource'),
    resourceId: z.string().min(1),
    group: z.string().min(1),
    spec: z.record(z.string(), z.unknown()),
    ...specAttributesSchema,
  })
  .check((context) => {
    const item = context.value;
    if (item.pk !== ResourceItemKey.resource(item.resourceId)) {
      context.issues.push({ code: 'custom', path: ['resourceId'], message: `"${item.resourceId}" does not match the key ${item.pk}`, input: item.resourceId });
    }
  });

const transitionSchema = z.object({
  at: storedNumber(),
  from: z.string().nullable(),
  to: z.string(),
  reason: z.enum(['initial', 'failover', 'repair-failed', 'switchover', 'switchback']),
  epoch: storedInteger(0),
  detail: z.string(),
  fromSilent: z.boolean().optional(),
});

const operatorRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('switchover'), to: z.string(), id: z.string(), requestedAt: storedNumber() }),
  z.object({ kind: z.literal('maintenance'), enabled: z.boolean(), id: z.string(), requestedAt: storedNumber() }),
]);

const statusAttributesSchema = z.object({
  owner: z.string().nullable().optional(),
  epoch: storedInteger(0).optional(),
  phase: z.enum(['steady', 'failing-over']).optional(),
  version: storedInteger(0).optional(),
  maintenance: z.boolean().optional(),
  repairFailures: storedInteger(0).optional(),
  excluded: z.array(z.string()).optional(),
  fenceNode: z.string().optional(),
  request: operatorRequestSchema.optional(),
  lastTransition: transitionSchema.optional(),
  statusWrittenBy: informative(z.string()),
});

/** The item's key for messages: its pk when it has a readable one. */
function itemName(item: Record<string, unknown>): string {
  return typeof item.pk === 'string' ? item.pk : '(without a readable key)';
}

/** The spec document with its numbers converted, and what was wrong with any of them. */
function specDocument(spec: Record<string, unknown>): { readonly spec: Record<string, unknown>; readonly specProblem?: string } {
  const converted = convertDocument(spec, ['spec']);
  return converted.problems.length === 0
    ? { spec: converted.value as Record<string, unknown> }
    : { spec: converted.value as Record<string, unknown>, specProblem: converted.problems.join('; ') };
}

/** The cluster item, checked (see the file comment); throws EC2F-D002 for a key or bookkeeping it cannot read. */
export function readClusterItem(cluster: string, item: Record<string, unknown>): ClusterItem {
  const checked = checkItem(clusterItemSchema, item);
  if (!checked.ok) throw new StoredSpecInvalidError(cluster, `item ${itemName(item)}: ${checked.problem}`, undefined, REPAIR_ITEM_BY_HAND);
  const { spec, specProblem } = specDocument(checked.value.spec);
  return { ...checked.value, spec: spec as unknown as ClusterSpecDocument, specProblem };
}

/** A resource item, checked (see the file comment); throws EC2F-D002 for a key or bookkeeping it cannot read. */
export function readResourceItem(cluster: string, item: Record<string, unknown>): ResourceItem {
  const checked = checkItem(resourceItemSchema, item);
  if (!checked.ok) throw new StoredSpecInvalidError(cluster, `item ${itemName(item)}: ${checked.problem}`, undefined, REPAIR_ITEM_BY_HAND);
  const { spec, specProblem } = specDocument(checked.value.spec);
  const base = { ...checked.value, spec: spec as ResourceItem['spec'], specProblem };
  const status = checkItem(statusAttributesSchema, item);
  if (!status.ok) return { ...base, statusError: new StoredStatusInvalidError(cluster, base.pk, base.group, status.problem) };
  return { ...base, ...withoutAbsent(status.value) };
}

function withoutAbsent<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

// ---- A group's status on an item -------------------------------------------------------------

/** The item's status attributes, or the coded error saying why they cannot be read. */
function readable<T extends StatusAttributes>(item: T): T {
  const error = (item as Partial<ResourceItem>).statusError;
  if (error) throw error;
  return item;
}

/** The stored version of an item's status; 0 when the group has none yet. Throws EC2F-D009 for an unreadable status. */
export function storedVersion(item: StatusAttributes): number {
  return typeof readable(item).version === 'number' ? item.version! : 0;
}

/** Throws EC2F-D009 for an unreadable status: an item whose status cannot be read must not pass for one without. */
export function hasStatus(item: StatusAttributes): boolean {
  return typeof readable(item).version === 'number';
}

/**
 * The status an item carries. Missing attributes take their initial values: an operator
 * request recorded before the first reconcile writes only `request` and `version`.
 */
export function statusFromItem(group: string, item: StatusAttributes): GroupStatus {
  readable(item);
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
  readable(item);
  const copy: Partial<Record<StatusAttributeName, unknown>> = {};
  for (const name of STATUS_ATTRIBUTES) {
    if (item[name] !== undefined) copy[name] = item[name];
  }
  return copy;
}
