import type { ClusterConfig } from '../core/config';
import { formatConfigProblem, parseClusterConfig } from '../core/config';
import { ConfigError } from '../core/errors';
import { GroupTooLargeError, KeptResourcesInvalidError, type SpecConflict } from '../aws/dynamodb/errors';
import { setAndRemove } from '../aws/dynamodb/update';
import { withoutUndefined } from '../aws/dynamodb/values';
import {
  copyStatusAttributes,
  hasStatus,
  STATUS_ATTRIBUTES,
  storedVersion,
  type ClusterItem,
  type ClusterSpecDocument,
  type ResourceItem,
} from '../aws/dynamodb/state-items';
import type { ResourcesTableContents } from '../aws/dynamodb/state-scan';
import { MAX_TRANSACTION_ACTIONS, ResourceItemKey, resourcesTableName } from '../names';
import { diffValues, formatFieldChange, type FieldChange } from './spec-diff';
import { specHash } from './spec-hash';

/*
 * What an apply changes, decided without I/O from the validated config and the stored items:
 * the change per item (for people), the conflicts with other writers' edits, and the DynamoDB
 * transactions that make the store match (for the executor in spec-apply.ts). The rules:
 *
 * - Only spec attributes are written; a group's status (owner, epoch, version…) is never reset
 *   by a spec change. A resource joining a group that has a status takes that status, and the
 *   group's version moves on (+1 on every item) so a reconciler that read the old membership
 *   conflicts instead of leaving the newcomer behind.
 * - Each item keeps `specHash` (its spec now) and `appliedHash` (what the last apply wrote);
 *   other writers change the spec but not `appliedHash`, so their edits show as conflicts.
 * - A resource missing from the config is kept unless `prune`, and the cluster with it kept must
 *   still validate.
 * - Every write is conditional on what was read. Applying the same config twice writes nothing.
 */

export type SpecItemRef = { readonly kind: 'cluster'; readonly id: string } | { readonly kind: 'resource'; readonly id: string };

export type ItemChange =
  | { readonly item: SpecItemRef; readonly change: 'added'; readonly note?: string | undefined }
  | {
      readonly item: SpecItemRef;
      readonly change: 'changed';
      readonly fields: readonly FieldChange[];
      /** Set when `force` overwrote another writer's edit. */
      readonly overwrote?: string | undefined;
      readonly note?: string | undefined;
    }
  | { readonly item: SpecItemRef; readonly change: 'removed'; readonly pruned: boolean }
  | { readonly item: SpecItemRef; readonly change: 'unchanged' };

export function itemLabel(ref: SpecItemRef): string {
  return `${ref.kind} ${ref.id}`;
}

export type TransactAction = Record<string, unknown>;

export interface ApplyPlanInput {
  readonly config: ClusterConfig;
  readonly stored: ResourcesTableContents;
  readonly prune?: boolean | undefined;
  readonly writer: string;
  readonly now: number;
}

export interface ApplyPlan {
  /** Cluster item first, then the resources in config order, then the ones the config dropped. */
  readonly changes: readonly ItemChange[];
  /** Other writers' edits this apply would overwrite. */
  readonly conflicts: readonly SpecConflict[];
  /** In order; each group's writes in one transaction. Empty when everything matches. */
  readonly transactions: readonly (readonly TransactAction[])[];
}

interface PlannedWrite {
  /** Writes of one group go in one transaction, so its items never disagree on the status. */
  readonly batchKey: string;
  readonly action: TransactAction;
}

type ResourceSpecDocument = ResourceItem['spec'];

/** What the planning steps share and add to. */
interface Planning {
  readonly tableName: string;
  readonly writer: string;
  readonly now: number;
  readonly changes: ItemChange[];
  readonly conflicts: SpecConflict[];
  readonly writes: PlannedWrite[];
}

/** Where each resource ends up, and which groups' statuses move with a new member. */
interface GroupLayout {
  readonly finalGroup: ReadonlyMap<string, string>;
  readonly rewrittenGroups: ReadonlyMap<string, ResourceItem>;
}

/** Plain JSON, as DynamoDB will hand it back: comparing hashes of both sides must be fair. */
function storable<T>(value: T): T {
  return JSON.parse(JSON.stringify(withoutUndefined(value))) as T;
}

const editedByOther = (item: { specHash: string; appliedHash?: string | undefined }) => item.appliedHash !== item.specHash;

export function planApply(input: ApplyPlanInput): ApplyPlan {
  const { config, stored } = input;
  const planning: Planning = { tableName: resourcesTableName(config.cluster), writer: input.writer, now: input.now, changes: [], conflicts: [], writes: [] };
  const desiredCluster: ClusterSpecDocument = storable({ cluster: config.cluster, region: config.region, defaults: config.defaults, nodes: config.nodes });
  const desiredResources = new Map<string, ResourceSpecDocument>(config.resources.map((r) => [r.id, storable(r) as unknown as ResourceSpecDocument]));
  const storedResources = new Map(stored.resources.map((item) => [item.resourceId, item]));

  planClusterItem(planning, config.cluster, desiredCluster, stored.cluster);
  const dropped = stored.resources.filter((item) => !desiredResources.has(item.resourceId));
  const kept = input.prune ? [] : dropped;
  checkKept(config.cluster, desiredCluster, desiredResources, kept);
  const layout = groupLayout(desiredResources, stored.resources, kept);
  for (const [id, spec] of desiredResources) planResource(planning, layout, id, spec, storedResources.get(id));
  for (const item of dropped) planDropped(planning, layout, item, input.prune === true);
  return { changes: planning.changes, conflicts: planning.conflicts, transactions: packTransactions(planning.writes) };
}

function planClusterItem(planning: Planning, cluster: string, desired: ClusterSpecDocument, item: ClusterItem | undefined): void {
  const ref: SpecItemRef = { kind: 'cluster', id: cluster };
  const hash = specHash(desired);
  const { tableName, writer, now } = planning;
  if (!item) {
    planning.changes.push({ item: ref, change: 'added' });
    planning.writes.push({
      batchKey: '',
      action: {
        Put: {
          TableName: tableName,
          Item: { pk: ResourceItemKey.cluster, kind: 'cluster', spec: desired, specHash: hash, appliedHash: hash, lastWriter: writer, updatedAt: now },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': 'pk' },
        },
      },
    });
  } else if (item.specHash === hash) {
    planning.changes.push({ item: ref, change: 'unchanged' });
    if (item.appliedHash !== hash) planning.writes.push({ batchKey: '', action: specUpdateAction(tableName, ResourceItemKey.cluster, hash, { appliedHash: hash }) });
  } else {
    const fields = diffValues(item.spec, desired);
    const overwrote = editedByOther(item) ? (item.lastWriter ?? 'another writer') : undefined;
    if (overwrote) planning.conflicts.push({ item: itemLabel(ref), lastWriter: item.lastWriter, fields: fields.map(formatFieldChange) });
    planning.changes.push({ item: ref, change: 'changed', fields, overwrote });
    planning.writes.push({
      batchKey: '',
      action: specUpdateAction(tableName, ResourceItemKey.cluster, item.specHash, { spec: desired, specHash: hash, appliedHash: hash, lastWriter: writer, updatedAt: now }),
    });
  }
}

/** Resources left out of the config are kept without prune, but the cluster with them must still validate. */
function checkKept(cluster: string, desiredCluster: ClusterSpecDocument, desired: ReadonlyMap<string, ResourceSpecDocument>, kept: readonly ResourceItem[]): void {
  if (kept.length === 0) return;
  try {
    parseClusterConfig({ ...desiredCluster, resources: [...desired.values(), ...kept.map((k) => k.spec)] });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new KeptResourcesInvalidError(cluster, kept.map((k) => k.resourceId), error.problems.map(formatConfigProblem));
  }
}

function groupLayout(desired: ReadonlyMap<string, ResourceSpecDocument>, storedItems: readonly ResourceItem[], kept: readonly ResourceItem[]): GroupLayout {
  const finalGroup = new Map<string, string>();
  for (const [id, spec] of desired) finalGroup.set(id, spec.group ?? spec.id);
  for (const item of kept) finalGroup.set(item.resourceId, item.group);
  // The status of each group as stored: any item that was in the group before this apply.
  const statusSource = new Map<string, ResourceItem>();
  for (const item of storedItems) {
    if (!hasStatus(item)) continue;
    const known = statusSource.get(item.group);
    if (!known || storedVersion(item) > storedVersion(known)) statusSource.set(item.group, item);
  }
  const storedGroup = new Map(storedItems.map((item) => [item.resourceId, item.group]));
  /** Groups with a status that gain a member: every member is rewritten at version + 1. */
  const rewrittenGroups = new Map<string, ResourceItem>();
  for (const [id, group] of finalGroup) {
    const source = statusSource.get(group);
    if (source && storedGroup.get(id) !== group) rewrittenGroups.set(group, source);
  }
  return { finalGroup, rewrittenGroups };
}

/** Status attributes a resource item must get, or undefined when its status stays as it is. */
function statusChange(layout: GroupLayout, id: string, storedItem: ResourceItem | undefined): Record<string, unknown> | undefined {
  const group = layout.finalGroup.get(id)!;
  const source = layout.rewrittenGroups.get(group);
  if (source) {
    if (storedItem?.group === group) return { version: storedVersion(source) + 1 };
    return { ...copyStatusAttributes(source), version: storedVersion(source) + 1 };
  }
  // Moved into a group with no status yet: the old group's status does not apply there.
  if (storedItem && storedItem.group !== group && hasStatus(storedItem)) {
    return Object.fromEntries(STATUS_ATTRIBUTES.map((name) => [name, undefined]));
  }
  return undefined;
}

function joinNote(layout: GroupLayout, id: string, storedItem: ResourceItem | undefined): string | undefined {
  const group = layout.finalGroup.get(id)!;
  if (storedItem?.group === group) return undefined;
  const source = layout.rewrittenGroups.get(group);
  if (source) return `joins group ${group}: takes its status (owner ${source.owner ?? '(none)'}, epoch ${source.epoch ?? 0})`;
  return storedItem ? `group ${group} starts with a fresh status` : undefined;
}

function planResource(planning: Planning, layout: GroupLayout, id: string, spec: ResourceSpecDocument, item: ResourceItem | undefined): void {
  const ref: SpecItemRef = { kind: 'resource', id };
  const hash = specHash(spec);
  const group = layout.finalGroup.get(id)!;
  const status = statusChange(layout, id, item);
  const { tableName, writer, now } = planning;
  if (!item) {
    planning.changes.push({ item: ref, change: 'added', note: joinNote(layout, id, item) });
    const newItem = { pk: ResourceItemKey.resource(id), kind: 'resource', resourceId: id, group, spec, specHash: hash, appliedHash: hash, lastWriter: writer, updatedAt: now, ...(status ?? {}) };
    planning.writes.push({
      batchKey: group,
      action: { Put: { TableName: tableName, Item: withoutUndefined(newItem), ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': 'pk' } } },
    });
    return;
  }
  const statusGuard = status ? item : undefined;
  if (item.specHash === hash) {
    planning.changes.push({ item: ref, change: 'unchanged' });
    const adopt = item.appliedHash !== hash ? { appliedHash: hash } : {};
    if (status || item.appliedHash !== hash) {
      planning.writes.push({ batchKey: group, action: specUpdateAction(tableName, item.pk, item.specHash, { ...adopt, ...(status ?? {}) }, statusGuard) });
    }
    return;
  }
  const fields = diffValues(item.spec, spec);
  const overwrote = editedByOther(item) ? (item.lastWriter ?? 'another writer') : undefined;
  if (overwrote) planning.conflicts.push({ item: itemLabel(ref), lastWriter: item.lastWriter, fields: fields.map(formatFieldChange) });
  planning.changes.push({ item: ref, change: 'changed', fields, overwrote, note: joinNote(layout, id, item) });
  const attributes = { spec, specHash: hash, appliedHash: hash, group, lastWriter: writer, updatedAt: now, ...(status ?? {}) };
  planning.writes.push({ batchKey: group, action: specUpdateAction(tableName, item.pk, item.specHash, attributes, statusGuard) });
}

function planDropped(planning: Planning, layout: GroupLayout, item: ResourceItem, prune: boolean): void {
  const ref: SpecItemRef = { kind: 'resource', id: item.resourceId };
  planning.changes.push({ item: ref, change: 'removed', pruned: prune });
  if (!prune) {
    // Kept, but still a member of its group: it moves with a rewrite like any other member.
    const status = statusChange(layout, item.resourceId, item);
    if (status) planning.writes.push({ batchKey: item.group, action: specUpdateAction(planning.tableName, item.pk, item.specHash, status, item) });
    return;
  }
  if (editedByOther(item)) planning.conflicts.push({ item: itemLabel(ref), lastWriter: item.lastWriter, fields: [] });
  // The version guard matters when this item is the one a joining resource copied the status from.
  const guarded = hasStatus(item);
  planning.writes.push({
    batchKey: item.group,
    action: {
      Delete: {
        TableName: planning.tableName,
        Key: { pk: item.pk },
        ConditionExpression: guarded ? '#specHash = :readSpecHash AND #version = :readVersion' : '#specHash = :readSpecHash',
        ExpressionAttributeNames: guarded ? { '#specHash': 'specHash', '#version': 'version' } : { '#specHash': 'specHash' },
        ExpressionAttributeValues: guarded ? { ':readSpecHash': item.specHash, ':readVersion': storedVersion(item) } : { ':readSpecHash': item.specHash },
      },
    },
  });
}

/**
 * An Update conditional on the spec being what we read, and, when it touches the status,
 * on the status version being what we read (a reconciler commit in between must win or lose
 * cleanly, not be overwritten).
 */
function specUpdateAction(tableName: string, pk: string, readSpecHash: string, attributes: Record<string, unknown>, statusGuard?: ResourceItem): TransactAction {
  const update = setAndRemove(attributes);
  const conditions = ['#specHash = :readSpecHash'];
  const names: Record<string, string> = { ...update.ExpressionAttributeNames, '#specHash': 'specHash' };
  const values: Record<string, unknown> = { ...update.ExpressionAttributeValues, ':readSpecHash': readSpecHash };
  if (statusGuard) {
    names['#version'] = 'version';
    if (hasStatus(statusGuard)) {
      conditions.push('#version = :readVersion');
      values[':readVersion'] = storedVersion(statusGuard);
    } else {
      conditions.push('attribute_not_exists(#version)');
    }
  }
  return {
    Update: {
      TableName: tableName,
      Key: { pk },
      UpdateExpression: update.UpdateExpression,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: names,
      ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
    },
  };
}

/**
 * Fewest transactions of at most 100 actions, never splitting a group (nor the cluster item's
 * batch, written first so resources never name nodes the stored cluster lacks). More than
 * one transaction is only needed past 100 changed items; the apply is then not atomic as a
 * whole, but each group is, and re-running finishes an interrupted apply.
 */
function packTransactions(writes: readonly PlannedWrite[]): TransactAction[][] {
  const batches = new Map<string, TransactAction[]>();
  for (const write of writes) batches.set(write.batchKey, [...(batches.get(write.batchKey) ?? []), write.action]);
  const ordered = [...batches.entries()].sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : 0));
  const transactions: TransactAction[][] = [];
  let current: TransactAction[] = [];
  for (const [key, actions] of ordered) {
    if (actions.length > MAX_TRANSACTION_ACTIONS) throw new GroupTooLargeError(key, actions.length, MAX_TRANSACTION_ACTIONS);
    if (current.length + actions.length > MAX_TRANSACTION_ACTIONS) {
      transactions.push(current);
      current = [];
    }
    current.push(...actions);
  }
  if (current.length > 0) transactions.push(current);
  return transactions;
}
