import { setTimeout as sleep } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { QueryCommand, ScanCommand, type QueryCommandOutput, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { HistoryEntry, HistoryKind } from '../../core/model';
import { ClusterNotInitializedError, isResourceNotFound, StateErrorCode, StateStoreUnavailableError } from './errors';
import { checkItem, displayValue, storedInteger, storedNumber, type MalformedItem, type MalformedItemListener } from './item-schema';
import { plainItem, sendRaw, stringAttribute, type RawItem } from './raw-items';
import { withoutUndefined } from './values';
import { historyTableName, HISTORY_PARTITION_KEY, HISTORY_SORT_KEY, TTL_ATTRIBUTE } from '../../names';

/*
 * The history of every group: append-only, one item per entry, partitioned by group and
 * sorted by `seq`. `seq` = the entry's time (ms, zero-padded so strings sort like numbers)
 * + a per-process counter (entries of one millisecond keep the order they were appended in)
 * + a random tag (two writers can never produce the same key and overwrite each other).
 *
 * Reads check each entry on its own: a malformed one is left out (EC2F-D013, in `readChecked`
 * and to the listener given) and never hides the others.
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
  /** Told about every entry a read leaves out. */
  readonly onMalformed?: MalformedItemListener | undefined;
}

export interface HistoryRead {
  readonly entries: readonly StoredHistoryEntry[];
  readonly malformed: readonly MalformedItem[];
}


const HISTORY_KINDS = ['transition', 'repair', 'request', 'maintenance', 'phase'] as const satisfies readonly HistoryKind[];

const historyItemSchema = z.object({
  /** HISTORY_PARTITION_KEY */
  group: z.string(),
  /** HISTORY_SORT_KEY */
  seq: z.string(),
  at: storedNumber(),
  kind: z.enum(HISTORY_KINDS),
  epoch: storedInteger(0),
  message: z.string(),
  resource: z.string().optional(),
  details: z
    .record(z.string(), z.unknown())
    .transform((details) => displayValue(details) as Record<string, unknown>)
    .optional(),
});

function entryFromItem(item: z.infer<typeof historyItemSchema>): StoredHistoryEntry {
  return {
    seq: item.seq,
    at: item.at,
    group: item.group,
    kind: item.kind,
    epoch: item.epoch,
    message: item.message,
    resource: item.resource,
    details: item.details,
  };
}

const sortKeyOf = (item: RawItem): string => stringAttribute(item, HISTORY_SORT_KEY.name) ?? '';

export class DynamoHistoryStore {
  private readonly tableName: string;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly cluster: string,
    private readonly options: HistoryStoreOptions = {},
  ) {
    this.tableName = historyTableName(cluster);
  }

  /** The items for `entries`, each with a key no other writer will use. */
  itemsFor(entries: readonly HistoryEntry[]): Record<string, unknown>[] {
    const tag = randomBytes(4).toString('hex');
    return entries.map((entry) => {
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
  }

  /** Puts for a transaction: written with the status they belong to, or not at all. */
  transactionPuts(entries: readonly HistoryEntry[]): { Put: { TableName: string; Item: Record<string, unknown> } }[] {
    return this.itemsFor(entries).map((Item) => ({ Put: { TableName: this.tableName, Item } }));
  }

  async append(entries: readonly HistoryEntry[]): Promise<void> {
    const items = this.itemsFor(entries);
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

  /** Valid entries in the order they happened (oldest first); malformed ones go to the listener. */
  async read(query: HistoryQuery = {}): Promise<StoredHistoryEntry[]> {
    const { entries, malformed } = await this.readChecked(query);
    for (const item of malformed) this.options.onMalformed?.(item);
    return [...entries];
  }

  /** Entries in the order they happened (oldest first), the valid ones apart from the malformed ones. */
  async readChecked(query: HistoryQuery = {}): Promise<HistoryRead> {
    const items = query.group === undefined ? await this.scanAll(query) : await this.queryGroup(query.group, query);
    const entries: StoredHistoryEntry[] = [];
    const malformed: MalformedItem[] = [];
    for (const raw of items) {
      const checked = checkItem(historyItemSchema, plainItem(raw));
      if (checked.ok) entries.push(entryFromItem(checked.value));
      else malformed.push(this.malformed(raw, checked.problem));
    }
    return { entries, malformed };
  }

  private malformed(raw: RawItem, problem: string): MalformedItem {
    const key = `${stringAttribute(raw, HISTORY_PARTITION_KEY.name) ?? '?'} ${sortKeyOf(raw) || '?'}`;
    return { code: StateErrorCode.malformedHistory, table: this.tableName, key, problem };
  }

  private async queryGroup(group: string, query: HistoryQuery): Promise<RawItem[]> {
    const newestFirst = query.limit !== undefined;
    const items: RawItem[] = [];
    let startKey: RawItem | undefined;
    do {
      const page = await this.call('Query', () =>
        sendRaw<QueryCommandOutput>(
          this.documents,
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: query.since === undefined ? '#group = :group' : '#group = :group AND #seq >= :since',
            ExpressionAttributeNames: { '#group': HISTORY_PARTITION_KEY.name, ...(query.since === undefined ? {} : { '#seq': HISTORY_SORT_KEY.name }) },
            ExpressionAttributeValues: { ':group': { S: group }, ...(query.since === undefined ? {} : { ':since': { S: sortKeyFloor(query.since) } }) },
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

  private async scanAll(query: HistoryQuery): Promise<RawItem[]> {
    const items: RawItem[] = [];
    let startKey: RawItem | undefined;
    do {
      const page = await this.call('Scan', () =>
        sendRaw<ScanCommandOutput>(
          this.documents,
          new ScanCommand({
            TableName: this.tableName,
            ...(query.since === undefined
              ? {}
              : {
                  FilterExpression: '#seq >= :since',
                  ExpressionAttributeNames: { '#seq': HISTORY_SORT_KEY.name },
                  ExpressionAttributeValues: { ':since': { S: sortKeyFloor(query.since) } },
                }),
            ExclusiveStartKey: startKey,
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    items.sort((a, b) => (sortKeyOf(a) < sortKeyOf(b) ? -1 : sortKeyOf(a) > sortKeyOf(b) ? 1 : 0));
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
