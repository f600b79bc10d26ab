import { randomBytes } from 'node:crypto';
import { BatchWriteCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HistoryEntry, HistoryKind } from '../../core/model';
import { ClusterNotInitializedError, isResourceNotFound, StateStoreUnavailableError } from './errors';
import { withoutUndefined } from './values';
import { historyTableName, HISTORY_PARTITION_KEY, HISTORY_SORT_KEY, TTL_ATTRIBUTE } from '../../names';

/*
 * The history of every group: append-only, one item per entry, partitioned by group and
 * sorted by `seq`. `seq` = the entry's time (ms, zero-padded so strings sort like numbers)
 * + a per-process counter (entries of one millisecond keep the order they were appended in)
 * + a random tag (two writers can never produce the same key and overwrite each other).
 */

const TIME_DIGITS = 15;
const COUNTER_DIGITS = 12;
const BATCH_LIMIT = 25;
const MAX_BATCH_ATTEMPTS = 8;

let appendCounter = 0;

export function historySortKey(at: number, counter: number, tag: string): string {
  return `${String(Math.max(0, Math.floor(at))).padStart(TIME_DIGITS, '0')}#${String(counter).padStart(COUNTER_DIGITS, '0')}#${tag}`;
}

/** The smallest key of any entry at or after `at`. */
function sortKeyFloor(at: number): string {
  return String(Math.max(0, Math.floor(at))).padStart(TIME_DIGITS, '0');
}

export interface HistoryQuery {
  /** One group's history (a Query); all groups otherwise (a Scan, for the CLI). */
  readonly group?: string | undefined;
  /** Only the newest `limit` entries; all when absent. */
  readonly limit?: number | undefined;
  /** Only entries at or after this time (ms). */
  readonly since?: number | undefined;
}

export interface StoredHistoryEntry extends HistoryEntry {
  readonly seq: string;
}

export interface HistoryStoreOptions {
  /** Entries expire (DynamoDB TTL) this many days after they happened; kept forever when absent. */
  readonly retentionDays?: number | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function entryFromItem(item: Record<string, unknown>): StoredHistoryEntry {
  return {
    seq: String(item[HISTORY_SORT_KEY.name]),
    at: Number(item.at),
    group: String(item[HISTORY_PARTITION_KEY.name]),
    kind: item.kind as HistoryKind,
    epoch: Number(item.epoch),
    message: String(item.message),
    resource: typeof item.resource === 'string' ? item.resource : undefined,
    details: (item.details as Record<string, unknown> | undefined) ?? undefined,
  };
}

export class DynamoHistoryStore {
  private readonly tableName: string;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly cluster: string,
    private readonly options: HistoryStoreOptions = {},
  ) {
    this.tableName = historyTableName(cluster);
  }

  async append(entries: readonly HistoryEntry[]): Promise<void> {
    const tag = randomBytes(4).toString('hex');
    const items = entries.map((entry) => {
      appendCounter += 1;
      const retention = this.options.retentionDays;
      return withoutUndefined({
        [HISTORY_PARTITION_KEY.name]: entry.group,
        [HISTORY_SORT_KEY.name]: historySortKey(entry.at, appendCounter, tag),
        at: entry.at,
        kind: entry.kind,
        epoch: entry.epoch,
        message: entry.message,
        resource: entry.resource,
        details: entry.details,
        [TTL_ATTRIBUTE]: retention === undefined ? undefined : Math.floor(entry.at / 1000) + Math.round(retention * 86_400),
      });
    });
    for (let start = 0; start < items.length; start += BATCH_LIMIT) {
      await this.writeBatch(items.slice(start, start + BATCH_LIMIT));
    }
  }

  private async writeBatch(items: readonly Record<string, unknown>[]): Promise<void> {
    let pending: Record<string, unknown>[] = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      let unprocessed;
      try {
        const result = await this.documents.send(new BatchWriteCommand({ RequestItems: { [this.tableName]: pending } }));
        unprocessed = result.UnprocessedItems?.[this.tableName];
      } catch (error) {
        if (isResourceNotFound(error)) throw new ClusterNotInitializedError(this.cluster, `table ${this.tableName} does not exist`, error);
        throw new StateStoreUnavailableError(`BatchWriteItem ${this.tableName}`, error);
      }
      pending = (unprocessed ?? []) as Record<string, unknown>[];
      if (pending.length === 0) return;
      if (attempt >= MAX_BATCH_ATTEMPTS) {
        throw new StateStoreUnavailableError(
          `BatchWriteItem ${this.tableName}`,
          new Error(`${pending.length} history entries still unprocessed after ${attempt} attempts (throttled)`),
        );
      }
      // Unprocessed items mean throttling: back off before the next try.
      await sleep(Math.min(1_000, 25 * 2 ** attempt));
    }
  }

  /** Entries in the order they happened (oldest first). */
  async read(query: HistoryQuery = {}): Promise<StoredHistoryEntry[]> {
    const entries = query.group === undefined ? await this.scanAll(query) : await this.queryGroup(query.group, query);
    return entries.map(entryFromItem);
  }

  private async queryGroup(group: string, query: HistoryQuery): Promise<Record<string, unknown>[]> {
    const newestFirst = query.limit !== undefined;
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call('Query', () =>
        this.documents.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: query.since === undefined ? '#group = :group' : '#group = :group AND #seq >= :since',
            ExpressionAttributeNames: { '#group': HISTORY_PARTITION_KEY.name, ...(query.since === undefined ? {} : { '#seq': HISTORY_SORT_KEY.name }) },
            ExpressionAttributeValues: { ':group': group, ...(query.since === undefined ? {} : { ':since': sortKeyFloor(query.since) }) },
            // With a limit we want the newest entries: read backwards, then turn them around.
            ScanIndexForward: !newestFirst,
            Limit: query.limit === undefined ? undefined : Math.max(1, query.limit - items.length),
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey && (query.limit === undefined || items.length < query.limit));
    const limited = query.limit === undefined ? items : items.slice(0, query.limit);
    return newestFirst ? limited.reverse() : limited;
  }

  private async scanAll(query: HistoryQuery): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call('Scan', () =>
        this.documents.send(
          new ScanCommand({
            TableName: this.tableName,
            ...(query.since === undefined
              ? {}
              : { FilterExpression: '#seq >= :since', ExpressionAttributeNames: { '#seq': HISTORY_SORT_KEY.name }, ExpressionAttributeValues: { ':since': sortKeyFloor(query.since) } }),
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    const seq = (item: Record<string, unknown>) => String(item[HISTORY_SORT_KEY.name]);
    items.sort((a, b) => (seq(a) < seq(b) ? -1 : seq(a) > seq(b) ? 1 : 0));
    return query.limit === undefined ? items : items.slice(Math.max(0, items.length - query.limit));
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (isResourceNotFound(error)) throw new ClusterNotInitializedError(this.cluster, `table ${this.tableName} does not exist`, error);
      throw new StateStoreUnavailableError(`${operation} ${this.tableName}`, error);
    }
  }
}
