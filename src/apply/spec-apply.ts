import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { clusterConfigSchema, formatConfigProblem, parseClusterConfig, type ClusterConfig } from '../core/config';
import { ConfigError } from '../core/errors';
import {
  cancellationCodes,
  ConcurrentApplyError,
  GroupTooLargeError,
  isResourceNotFound,
  KeptResourcesInvalidError,
  SpecConflictError,
  StateStoreUnavailableError,
  type SpecConflict,
} from '../aws/dynamodb/errors';
import { setAndRemove } from '../aws/dynamodb/update';
import { withoutUndefined } from '../aws/dynamodb/values';
import { diffValues, formatFieldChange, type FieldChange } from './spec-diff';
import { specHash } from './spec-hash';
import {
  copyStatusAttributes,
  hasStatus,
  STATUS_ATTRIBUTES,
  storedVersion,
  type ClusterItem,
  type ClusterSpecDocument,
  type ResourceItem,
} from '../aws/dynamodb/state-items';
import { scanResourcesTable } from '../aws/dynamodb/state-scan';
import { ensureTables, type EnsureTablesOptions } from '../aws/dynamodb/tables';
import { clusterTables, MAX_TRANSACTION_ACTIONS, ResourceItemKey, resourcesTableName } from '../names';

/*
 * `init`: make the stored spec match the config file, like `kubectl apply`.
 *
 * - Only spec attributes are written; the status of a group (owner, epoch, version…) is never
 *   reset by a spec change. A resource joining a group that has a status takes that status,
 *   and the group's version moves on (+1 on every item) so a reconciler that read the old
 *   membership conflicts instead of leaving the newcomer behind.
 * - Each item keeps `specHash` (its spec now) and `appliedHash` (what the last apply wrote).
 *   Other writers (the CLI's edit commands) change the spec but not `appliedHash`, so an apply
 *   that would overwrite their edit is refused unless forced.
 * - A resource missing from the config is NOT deleted unless `prune`: deleting a protected
 *   address by leaving it out of a file by accident is worse than keeping it managed. It is
 *   reported, and the cluster with it kept must still validate.
 * - Every write is conditional on what was read, so two applies (or an apply and an edit)
 *   racing each other cannot interleave silently.
 * - Applying the same config twice writes nothing.
 */

export interface ApplyOptions {
  /** Overwrite edits other writers made since the last apply. */
  readonly force?: boolean | undefined;
  /** Delete stored resources the config no longer names. */
  readonly prune?: boolean | undefined;
  /** Who applies, stored as `lastWriter` (e.g. `init:alice@host`). */
  readonly writer: string;
  readonly clock?: (() => number) | undefined;
  readonly tables?: EnsureTablesOptions | undefined;
  /**
   * Plan only: read, compare and report what an apply would change, writing nothing and creating
   * no table (`tablesCreated` then names the tables an apply would create). Conflicts with other
   * writers' edits are reported in `conflicts` instead of refused.
   */
  readonly dryRun?: boolean | undefined;
}

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

export interface ApplyResult {
  readonly cluster: string;
  readonly tablesCreated: readonly string[];
  /** Cluster item first, then the resources in config order, then the ones the config dropped. */
  readonly changes: readonly ItemChange[];
  /** DynamoDB transactions written; 0 when everything already matched (and always in a dry run). */
  readonly transactions: number;
  /** Dry run: other writers' edits an apply would refuse to overwrite without `force`. */
  readonly conflicts?: readonly SpecConflict[] | undefined;
}

export function itemLabel(ref: SpecItemRef): string {
  return `${ref.kind} ${ref.id}`;
}

type TransactAction = Record<string, unknown>;

interface PlannedWrite {
  /** Writes of one group go in one transaction, so its items never disagree on the status. */
  readonly batchKey: string;
  readonly action: TransactAction;
}

type ResourceSpecDocument = ResourceItem['spec'];

/** Plain JSON, as DynamoDB will hand it back: comparing hashes of both sides must be fair. */
function storable<T>(value: T): T {
  return JSON.parse(JSON.stringify(withoutUndefined(value))) as T;
}

function groupOfSpec(spec: ResourceSpecDocument): string {
  return spec.group ?? spec.id;
}

function describeStatus(item: ResourceItem): string {
  return `owner ${item.owner ?? '(none)'}, epoch ${item.epoch ?? 0}`;
}

export async function applySpec(client: DynamoDBClient, source: unknown, options: ApplyOptions): Promise<ApplyResult> {
  // Validate before touching anything: a bad file changes nothing.
  parseClusterConfig(source);
  const config: ClusterConfig = clusterConfigSchema.parse(source);
  const cluster = config.cluster;
  const now = (options.clock ?? Date.now)();
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const tableName = resourcesTableName(cluster);

  const { created } = options.dryRun ? { created: await missingTables(client, cluster) } : await ensureTables(client, cluster, options.tables);
  const stored = options.dryRun && created.includes(tableName) ? { cluster: undefined, resources: [] } : await scanResourcesTable(documents, cluster);

  const desiredCluster: ClusterSpecDocument = storable({
    cluster: config.cluster,
    region: config.region,
    defaults: config.defaults,
    nodes: config.nodes,
  });
  const desiredResources = new Map<string, ResourceSpecDocument>(
    config.resources.map((r) => [r.id, storable(r) as unknown as ResourceSpecDocument]),
  );
  const storedResources = new Map(stored.resources.map((item) => [item.resourceId, item]));

  const changes: ItemChange[] = [];
  const conflicts: SpecConflict[] = [];
  const writes: PlannedWrite[] = [];
  const editedByOther = (item: { specHash: string; appliedHash?: string | undefined }) => item.appliedHash !== item.specHash;

  // ---- the cluster item ----
  const clusterRef: SpecItemRef = { kind: 'cluster', id: cluster };
  const clusterHash = specHash(desiredCluster);
  const clusterItem: ClusterItem | undefined = stored.cluster;
  if (!clusterItem) {
    changes.push({ item: clusterRef, change: 'added' });
    writes.push({
      batchKey: '',
      action: {
        Put: {
          TableName: tableName,
          Item: { pk: ResourceItemKey.cluster, kind: 'cluster', spec: desiredCluster, specHash: clusterHash, appliedHash: clusterHash, lastWriter: options.writer, updatedAt: now },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': 'pk' },
        },
      },
    });
  } else if (clusterItem.specHash === clusterHash) {
    changes.push({ item: clusterRef, change: 'unchanged' });
    if (clusterItem.appliedHash !== clusterHash) writes.push({ batchKey: '', action: adoptAction(tableName, ResourceItemKey.cluster, clusterHash) });
  } else {
    const fields = diffValues(clusterItem.spec, desiredCluster);
    const overwrote = editedByOther(clusterItem) ? (clusterItem.lastWriter ?? 'another writer') : undefined;
    if (overwrote) conflicts.push({ item: itemLabel(clusterRef), lastWriter: clusterItem.lastWriter, fields: fields.map(formatFieldChange) });
    changes.push({ item: clusterRef, change: 'changed', fields, overwrote });
    writes.push({
      batchKey: '',
      action: specUpdateAction(tableName, ResourceItemKey.cluster, clusterItem.specHash, {
        spec: desiredCluster,
        specHash: clusterHash,
        appliedHash: clusterHash,
        lastWriter: options.writer,
        updatedAt: now,
      }),
    });
  }

  // ---- which resources end up where ----
  const dropped = stored.resources.filter((item) => !desiredResources.has(item.resourceId));
  const kept = options.prune ? [] : dropped;
  if (kept.length > 0) {
    try {
      parseClusterConfig({ ...desiredCluster, resources: [...desiredResources.values(), ...kept.map((k) => k.spec)] });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new KeptResourcesInvalidError(
        cluster,
        kept.map((k) => k.resourceId),
        error.problems.map(formatConfigProblem),
      );
    }
  }
  const finalGroup = new Map<string, string>();
  for (const [id, spec] of desiredResources) finalGroup.set(id, groupOfSpec(spec));
  for (const item of kept) finalGroup.set(item.resourceId, item.group);

  // The status of each group as stored: any item that was in the group before this apply.
  const statusSource = new Map<string, ResourceItem>();
  for (const item of stored.resources) {
    if (!hasStatus(item)) continue;
    const known = statusSource.get(item.group);
    if (!known || storedVersion(item) > storedVersion(known)) statusSource.set(item.group, item);
  }
  const newcomersByGroup = new Map<string, string[]>();
  for (const [id, group] of finalGroup) {
    if (storedResources.get(id)?.group !== group) newcomersByGroup.set(group, [...(newcomersByGroup.get(group) ?? []), id]);
  }
  /** Groups with a status that gain a member: every member is rewritten at version + 1. */
  const rewrittenGroups = new Map<string, ResourceItem>();
  for (const [group, newcomers] of newcomersByGroup) {
    const source = statusSource.get(group);
    if (source && newcomers.length > 0) rewrittenGroups.set(group, source);
  }

  /** Status attributes a resource item must get, or undefined when its status stays as it is. */
  const statusChange = (id: string, storedItem: ResourceItem | undefined): Record<string, unknown> | undefined => {
    const group = finalGroup.get(id)!;
    const source = rewrittenGroups.get(group);
    if (source) {
      if (storedItem?.group === group) return { version: storedVersion(source) + 1 };
      return { ...copyStatusAttributes(source), version: storedVersion(source) + 1 };
    }
    // Moved into a group with no status yet: the old group's status does not apply there.
    if (storedItem && storedItem.group !== group && hasStatus(storedItem)) {
      return Object.fromEntries(STATUS_ATTRIBUTES.map((name) => [name, undefined]));
    }
    return undefined;
  };
  const joinNote = (id: string, storedItem: ResourceItem | undefined): string | undefined => {
    const group = finalGroup.get(id)!;
    if (storedItem?.group === group) return undefined;
    const source = rewrittenGroups.get(group);
    return source ? `joins group ${group}: takes its status (${describeStatus(source)})` : storedItem ? `group ${group} starts with a fresh status` : undefined;
  };

  // ---- resources of the config ----
  for (const [id, spec] of desiredResources) {
    const ref: SpecItemRef = { kind: 'resource', id };
    const hash = specHash(spec);
    const item = storedResources.get(id);
    const group = finalGroup.get(id)!;
    const status = statusChange(id, item);
    if (!item) {
      changes.push({ item: ref, change: 'added', note: joinNote(id, item) });
      writes.push({
        batchKey: group,
        action: {
          Put: {
            TableName: tableName,
            Item: withoutUndefined({
              pk: ResourceItemKey.resource(id),
              kind: 'resource',
              resourceId: id,
              group,
              spec,
              specHash: hash,
              appliedHash: hash,
              lastWriter: options.writer,
              updatedAt: now,
              ...(status ?? {}),
            }),
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': 'pk' },
          },
        },
      });
      continue;
    }
    const statusGuard = status ? item : undefined;
    if (item.specHash === hash) {
      changes.push({ item: ref, change: 'unchanged' });
      const adopt = item.appliedHash !== hash ? { appliedHash: hash } : {};
      if (status || item.appliedHash !== hash) {
        writes.push({ batchKey: group, action: specUpdateAction(tableName, item.pk, item.specHash, { ...adopt, ...(status ?? {}) }, statusGuard) });
      }
      continue;
    }
    const fields = diffValues(item.spec, spec);
    const overwrote = editedByOther(item) ? (item.lastWriter ?? 'another writer') : undefined;
    if (overwrote) conflicts.push({ item: itemLabel(ref), lastWriter: item.lastWriter, fields: fields.map(formatFieldChange) });
    changes.push({ item: ref, change: 'changed', fields, overwrote, note: joinNote(id, item) });
    writes.push({
      batchKey: group,
      action: specUpdateAction(
        tableName,
        item.pk,
        item.specHash,
        { spec, specHash: hash, appliedHash: hash, group, lastWriter: options.writer, updatedAt: now, ...(status ?? {}) },
        statusGuard,
      ),
    });
  }

  // ---- resources the config dropped ----
  for (const item of dropped) {
    const ref: SpecItemRef = { kind: 'resource', id: item.resourceId };
    changes.push({ item: ref, change: 'removed', pruned: options.prune === true });
    if (!options.prune) {
      // Kept, but still a member of its group: it moves with a rewrite like any other member.
      const status = statusChange(item.resourceId, item);
      if (status) writes.push({ batchKey: item.group, action: specUpdateAction(tableName, item.pk, item.specHash, status, item) });
      continue;
    }
    if (editedByOther(item)) conflicts.push({ item: itemLabel(ref), lastWriter: item.lastWriter, fields: [] });
    writes.push({
      batchKey: item.group,
      action: {
        // The version guard matters when this item is the one a joining resource copied the status from.
        Delete: hasStatus(item)
          ? {
              TableName: tableName,
              Key: { pk: item.pk },
              ConditionExpression: '#specHash = :readSpecHash AND #version = :readVersion',
              ExpressionAttributeNames: { '#specHash': 'specHash', '#version': 'version' },
              ExpressionAttributeValues: { ':readSpecHash': item.specHash, ':readVersion': storedVersion(item) },
            }
          : {
              TableName: tableName,
              Key: { pk: item.pk },
              ConditionExpression: '#specHash = :readSpecHash',
              ExpressionAttributeNames: { '#specHash': 'specHash' },
              ExpressionAttributeValues: { ':readSpecHash': item.specHash },
            },
      },
    });
  }

  if (options.dryRun) return { cluster, tablesCreated: created, changes, transactions: 0, conflicts };
  if (conflicts.length > 0 && !options.force) throw new SpecConflictError(cluster, conflicts);

  const transactions = packTransactions(writes);
  let written = 0;
  for (const transactItems of transactions) {
    try {
      await documents.send(new TransactWriteCommand({ TransactItems: transactItems, ClientRequestToken: randomUUID() }));
      written += 1;
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict')) {
        throw new ConcurrentApplyError(
          cluster,
          written === 0 ? 'nothing was written; run init again' : `${written} of ${transactions.length} transactions were written; run init again to apply the rest`,
          error,
        );
      }
      throw new StateStoreUnavailableError(`TransactWriteItems ${tableName}`, error);
    }
  }
  return { cluster, tablesCreated: created, changes, transactions: written };
}

/** The cluster's tables that do not exist yet (what an apply would create). */
async function missingTables(client: DynamoDBClient, cluster: string): Promise<string[]> {
  const missing: string[] = [];
  for (const table of clusterTables(cluster)) {
    try {
      await client.send(new DescribeTableCommand({ TableName: table.tableName }));
    } catch (error) {
      if (!isResourceNotFound(error)) throw new StateStoreUnavailableError(`DescribeTable ${table.tableName}`, error);
      missing.push(table.tableName);
    }
  }
  return missing;
}

/** Records that the stored spec, already equal to the config, is now the applied one. */
function adoptAction(tableName: string, pk: string, hash: string): TransactAction {
  return specUpdateAction(tableName, pk, hash, { appliedHash: hash });
}

/**
 * An Update conditional on the spec being what we read, and, when it touches the status,
 * on the status version being what we read (a reconciler commit in between must win or lose
 * cleanly, not be overwritten).
 */
function specUpdateAction(
  tableName: string,
  pk: string,
  readSpecHash: string,
  attributes: Record<string, unknown>,
  statusGuard?: ResourceItem,
): TransactAction {
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
