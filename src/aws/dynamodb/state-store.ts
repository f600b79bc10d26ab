import { randomUUID } from 'node:crypto';
import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ClusterSpec, GroupId, GroupSpec, GroupStatus, HistoryEntry, OperatorRequest } from '../../core/model';
import type { CommitResult, FencingToken, StatePort, StoredSignal, StoredState } from '../../core/ports';
import {
  cancellationCodes,
  ClusterNotInitializedError,
  GroupTooLargeError,
  isResourceNotFound,
  StateStoreUnavailableError,
  StatusKeptChangingError,
  UnknownGroupError,
} from './errors';
import { setAndRemove } from './update';
import { DynamoHistoryStore, type HistoryQuery, type HistoryRead, type HistoryStoreOptions, type StoredHistoryEntry } from './history-store';
import { hasStatus, statusAttributes, statusFromItem, storedVersion, type ResourceItem } from './state-items';
import type { RawItem } from './raw-items';
import { signalsAmong, type SignalStoreOptions } from './signal-store';
import { scanResourcesTable } from './state-scan';
import { specFromItems, storedSpecFingerprint } from './state-spec';
import { MAX_TRANSACTION_ACTIONS, RECONCILER_LEASE, ResourceItemKey, resourcesTableName } from '../../names';

/*
 * The reconciler's view of DynamoDB. A group's status lives on every resource item of the
 * group and is only ever changed by one transaction over all of them, conditional on the
 * version the writer read and on the writer still holding the reconcile lease: two writers
 * from the same version cannot both win, and a loop that lost its lease cannot write at all.
 */

/** One action of a status commit is the lease check. */
/** Resources of one group: their status items, the lease check and a transition's history entry fit one transaction. */
export const MAX_GROUP_RESOURCES = MAX_TRANSACTION_ACTIONS - 2;

export type OperatorRequestResult =
  | { readonly outcome: 'requested'; readonly version: number }
  /** The group still has an unserved request; it is not replaced silently. */
  | { readonly outcome: 'busy'; readonly pending: OperatorRequest };

export interface DynamoStateStoreOptions {
  /** The lease whose token fences status writes. */
  readonly leaseName?: string | undefined;
  readonly history?: HistoryStoreOptions | undefined;
  /** Attempts of an operator request against concurrent status writes. */
  readonly requestAttempts?: number | undefined;
  /** How `read` treats the node-event items its Scan meets: the listener of malformed ones, the clock of expiry. */
  readonly signals?: SignalStoreOptions | undefined;
}

function groupsOf(resources: readonly ResourceItem[]): Map<string, ResourceItem[]> {
  const groups = new Map<string, ResourceItem[]>();
  for (const item of resources) groups.set(item.group, [...(groups.get(item.group) ?? []), item]);
  return groups;
}

/** All items of a group agree; should a hand edit have split them, the newest wins and the next commit conflicts. */
function groupStatus(group: string, items: readonly ResourceItem[]): GroupStatus | undefined {
  const withStatus = items.filter(hasStatus);
  if (withStatus.length === 0) return undefined;
  const newest = withStatus.reduce((a, b) => (storedVersion(b) > storedVersion(a) ? b : a));
  return statusFromItem(group, newest);
}

function statusesOf(resources: readonly ResourceItem[]): Map<string, GroupStatus> {
  const statuses = new Map<string, GroupStatus>();
  for (const [group, items] of groupsOf(resources)) {
    const status = groupStatus(group, items);
    if (status) statuses.set(group, status);
  }
  return statuses;
}

export class DynamoStateStore implements StatePort {
  private readonly tableName: string;
  private readonly leaseKey: string;
  private readonly history: DynamoHistoryStore;
  private cachedSpec: { fingerprint: string; spec: ClusterSpec } | undefined;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    readonly cluster: string,
    private readonly options: DynamoStateStoreOptions = {},
  ) {
    this.tableName = resourcesTableName(cluster);
    this.leaseKey = ResourceItemKey.lease(options.leaseName ?? RECONCILER_LEASE);
    this.history = new DynamoHistoryStore(documents, cluster, options.history);
  }

  async read(): Promise<StoredState> {
    const contents = await scanResourcesTable(this.documents, this.cluster);
    if (!contents.cluster) throw new ClusterNotInitializedError(this.cluster, `no cluster item in ${this.tableName}`);
    const fingerprint = storedSpecFingerprint(contents.cluster, contents.resources);
    if (this.cachedSpec?.fingerprint !== fingerprint) {
      this.cachedSpec = { fingerprint, spec: specFromItems(this.cluster, contents.cluster, contents.resources) };
    }
    return { spec: this.cachedSpec.spec, statuses: statusesOf(contents.resources), signals: this.signalsOf(contents.signalItems ?? []) };
  }

  /** The node events recorded beside the state, from the same Scan: one request a tick reads both. */
  private signalsOf(items: readonly RawItem[]): readonly StoredSignal[] {
    const now = (this.options.signals?.clock ?? Date.now)();
    const { signals, malformed } = signalsAmong(items, this.tableName, now / 1000);
    for (const item of malformed) this.options.signals?.onMalformed?.(item);
    return signals;
  }

  /** Every group that has a status yet; for the CLI and the agents. */
  async readStatuses(): Promise<ReadonlyMap<string, GroupStatus>> {
    const contents = await scanResourcesTable(this.documents, this.cluster);
    return statusesOf(contents.resources);
  }

  async commitStatus(group: GroupSpec, next: GroupStatus, fence: FencingToken, history: readonly HistoryEntry[] = []): Promise<CommitResult> {
    if (group.resourceIds.length > MAX_GROUP_RESOURCES) {
      throw new GroupTooLargeError(group.id, group.resourceIds.length, MAX_GROUP_RESOURCES);
    }
    // The history of a commit goes in its transaction, so an epoch in a status always has its
    // entry; what does not fit in DynamoDB's 100 actions is appended right after.
    const room = MAX_TRANSACTION_ACTIONS - group.resourceIds.length - 1;
    const inTransaction = history.slice(0, room);
    const transactItems = [
      ...group.resourceIds.map((resourceId) => this.statusUpdate(resourceId, group.id, next, fence.holder)),
      ...this.history.transactionPuts(inTransaction),
      this.leaseCheck(fence),
    ];
    try {
      await this.documents.send(new TransactWriteCommand({ TransactItems: transactItems, ClientRequestToken: randomUUID() }));
      if (history.length > inTransaction.length) await this.history.append(history.slice(inTransaction.length));
      return 'committed';
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes === undefined) throw this.translate('TransactWriteItems', error);
      // The lease check is the last action; losing the lease outranks any other reason.
      if (codes[codes.length - 1] === 'ConditionalCheckFailed') return 'fenced';
      if (codes.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict')) return 'conflict';
      throw this.translate('TransactWriteItems', error);
    }
  }

  async appendHistory(entries: readonly HistoryEntry[]): Promise<void> {
    await this.history.append(entries);
  }

  async readHistory(query: HistoryQuery = {}): Promise<StoredHistoryEntry[]> {
    return this.history.read(query);
  }

  /** The history with the entries that did not validate reported apart (EC2F-D013), for a reader that shows them. */
  async readHistoryChecked(query: HistoryQuery = {}): Promise<HistoryRead> {
    return this.history.readChecked(query);
  }

  /**
   * Records a switchover or maintenance request on every item of the group (version + 1).
   * No lease is needed: the version condition orders it against the reconciler's writes,
   * and the reconciler serves it on its next tick.
   */
  async requestOperatorAction(group: GroupId, request: OperatorRequest): Promise<OperatorRequestResult> {
    const attempts = this.options.requestAttempts ?? 5;
    for (let attempt = 1; attempt <= attempts; attempt += 1) {
      const contents = await scanResourcesTable(this.documents, this.cluster);
      const byGroup = groupsOf(contents.resources);
      const items = byGroup.get(group);
      if (!items) throw new UnknownGroupError(this.cluster, group, [...byGroup.keys()].sort());
      const current = groupStatus(group, items);
      if (current?.request) return { outcome: 'busy', pending: current.request };
      const version = (current?.version ?? 0) + 1;
      const update = setAndRemove({ request, version });
      const transactItems = items.map((item) => ({
        Update: {
          TableName: this.tableName,
          Key: { pk: item.pk },
          UpdateExpression: update.UpdateExpression,
          ConditionExpression:
            version === 1
              ? 'attribute_exists(#pk) AND #group = :group AND attribute_not_exists(#version)'
              : 'attribute_exists(#pk) AND #group = :group AND #version = :expectedVersion',
          ExpressionAttributeNames: { ...update.ExpressionAttributeNames, '#pk': 'pk', '#group': 'group' },
          ExpressionAttributeValues: {
            ...update.ExpressionAttributeValues,
            ':group': group,
            ...(version === 1 ? {} : { ':expectedVersion': version - 1 }),
          },
        },
      }));
      try {
        await this.documents.send(new TransactWriteCommand({ TransactItems: transactItems, ClientRequestToken: randomUUID() }));
        return { outcome: 'requested', version };
      } catch (error) {
        const codes = cancellationCodes(error);
        const lostRace = codes?.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict') ?? false;
        if (!lostRace) throw this.translate('TransactWriteItems', error);
      }
    }
    throw new StatusKeptChangingError(group, attempts);
  }

  private statusUpdate(resourceId: string, group: string, next: GroupStatus, writer: string) {
    const expectedVersion = next.version - 1;
    const update = setAndRemove(statusAttributes(next, writer));
    return {
      Update: {
        TableName: this.tableName,
        Key: { pk: ResourceItemKey.resource(resourceId) },
        UpdateExpression: update.UpdateExpression,
        // attribute_exists: an Update would otherwise recreate a resource pruned since the read.
        // #group: a resource moved to another group by an apply must not get this group's status.
        ConditionExpression:
          expectedVersion === 0
            ? 'attribute_exists(#pk) AND #group = :group AND attribute_not_exists(#version)'
            : 'attribute_exists(#pk) AND #group = :group AND #version = :expectedVersion',
        ExpressionAttributeNames: { ...update.ExpressionAttributeNames, '#pk': 'pk', '#group': 'group' },
        ExpressionAttributeValues: {
          ...update.ExpressionAttributeValues,
          ':group': group,
          ...(expectedVersion === 0 ? {} : { ':expectedVersion': expectedVersion }),
        },
      },
    };
  }

  private leaseCheck(fence: FencingToken) {
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: { pk: this.leaseKey },
        // Holder and token suffice: a takeover always raises the token, and an expired lease
        // nobody took over still means nobody else acts.
        ConditionExpression: '#holder = :holder AND #token = :token',
        ExpressionAttributeNames: { '#holder': 'holder', '#token': 'token' },
        ExpressionAttributeValues: { ':holder': fence.holder, ':token': fence.token },
      },
    };
  }

  private translate(operation: string, error: unknown): Error {
    if (isResourceNotFound(error)) return new ClusterNotInitializedError(this.cluster, `table ${this.tableName} does not exist`, error);
    return new StateStoreUnavailableError(operation, error);
  }
}
