import { GetItemCommand, ScanCommand, type GetItemCommandOutput, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { Heartbeat, HeartbeatRead, MalformedHeartbeat } from '../../core/model';
import type { HeartbeatPort } from '../../core/ports';
import { isConditionalCheckFailed, StaleHeartbeatError, translateStoreError } from './errors';
import { checkItem, integerFromText, numberFromText, storedInteger, storedNumber } from './item-schema';
import { plainItem, sendRaw, stringAttribute, type RawItem } from './raw-items';
import { withoutUndefined } from './values';
import { heartbeatsTableName, HEARTBEATS_PARTITION_KEY, TTL_ATTRIBUTE } from '../../names';

/*
 * One item per node, overwritten at every beat. The write is conditional on the sequence
 * advancing, so a delayed or replayed beat can never make a dead node look alive again.
 * The TTL only cleans up nodes that went away: liveness is judged from the sequence, so the
 * TTL should be far longer than the failure window (minutes, not seconds) — then the
 * agent's clock, which computes it, cannot matter.
 *
 * Reads check every item on its own (raw, so no number can fail the Scan): a malformed item
 * comes back in `malformed`, naming its node when its key is readable, and never hides the
 * other nodes' beats.
 */

/** A TTL far beyond any failure window: only departed nodes ever reach it. */
export const DEFAULT_HEARTBEAT_TTL_SECONDS = 3_600;

/** Longest incarnation accepted; an agent writes a short random id. */
export const MAX_INCARNATION_LENGTH = 128;

export interface HeartbeatStoreOptions {
  /** The clock that decides whether a stored heartbeat has expired; Date.now by default. */
  readonly clock?: (() => number) | undefined;
}

/** Checks a node writes; a list far longer than any agent config is not a heartbeat. */
const MAX_CHECKS = 100;

const checkSchema = z.object({
  name: z.string(),
  ok: z.boolean(),
  required: z.boolean(),
  detail: z.string().optional(),
});

const groupReportSchema = z.object({
  epoch: storedInteger(0),
  role: z.enum(['active', 'standby', 'failed', 'releasing']),
});

const releaseSchema = z.object({
  deactivateMs: storedNumber(),
  fenceMs: storedNumber().optional(),
});

/**
 * A heartbeat item. Attributes it does not name are ignored, so a newer agent's beat is still a
 * beat; every attribute it names must hold what the agent writes.
 */
const heartbeatItemSchema = z.object({
  /** HEARTBEATS_PARTITION_KEY */
  instanceId: z.string().min(1),
  seq: storedInteger(0),
  sentAt: storedNumber(),
  leaving: z.boolean(),
  checks: z.array(checkSchema).max(MAX_CHECKS),
  agentVersion: z.string().optional(),
  incarnation: z.string().min(1).max(MAX_INCARNATION_LENGTH).optional(),
  // What a node reports for the handover is read leniently: a report that does not parse is
  // dropped (the new owner then treats the node as one that said nothing), never the beat.
  groups: z
    .record(z.string().min(1), groupReportSchema)
    .optional()
    .catch(undefined),
  release: releaseSchema.optional().catch(undefined),
  /** TTL_ATTRIBUTE */
  expiresAt: storedNumber().optional(),
});

type HeartbeatItem = z.infer<typeof heartbeatItemSchema>;

function heartbeatFromItem(item: HeartbeatItem): Heartbeat {
  return {
    instanceId: item.instanceId,
    seq: item.seq,
    sentAt: item.sentAt,
    leaving: item.leaving,
    checks: item.checks,
    agentVersion: item.agentVersion,
    incarnation: item.incarnation,
    groups: item.groups,
    release: item.release,
  };
}

/** What one raw item is: a live beat, a malformed one, or expired (gone for us, whatever it holds). */
type ItemVerdict = { readonly beat: Heartbeat } | { readonly malformed: MalformedHeartbeat } | { readonly expired: true };

function judgeItem(raw: RawItem, nowSeconds: number): ItemVerdict {
  // DynamoDB deletes expired items lazily (up to days later on AWS): they are gone for us now.
  const expiresAt = raw[TTL_ATTRIBUTE]?.N;
  if (expiresAt !== undefined) {
    const expiry = numberFromText(expiresAt);
    if ('value' in expiry && expiry.value <= nowSeconds) return { expired: true };
  }
  const checked = checkItem(heartbeatItemSchema, plainItem(raw));
  if (checked.ok) return { beat: heartbeatFromItem(checked.value) };
  const instanceId = stringAttribute(raw, HEARTBEATS_PARTITION_KEY.name);
  return { malformed: instanceId === undefined ? { problem: checked.problem } : { instanceId, problem: checked.problem } };
}

export class DynamoHeartbeatStore implements HeartbeatPort {
  private readonly tableName: string;
  private readonly clock: () => number;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly cluster: string,
    options: HeartbeatStoreOptions = {},
  ) {
    this.tableName = heartbeatsTableName(cluster);
    this.clock = options.clock ?? Date.now;
  }

  async readHeartbeats(): Promise<HeartbeatRead> {
    const nowSeconds = this.clock() / 1000;
    const beats: Heartbeat[] = [];
    const malformed: MalformedHeartbeat[] = [];
    let startKey: RawItem | undefined;
    do {
      // Consistent: an eventually consistent read may show an older sequence, delaying detection of life.
      const page = await this.call('Scan', () =>
        sendRaw<ScanCommandOutput>(this.documents, new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: startKey })),
      );
      for (const raw of page.Items ?? []) {
        const verdict = judgeItem(raw, nowSeconds);
        if ('beat' in verdict) beats.push(verdict.beat);
        else if ('malformed' in verdict) malformed.push(verdict.malformed);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { beats, malformed };
  }

  /** Throws StaleHeartbeatError when `heartbeat.seq` is not above the stored sequence. */
  async writeHeartbeat(heartbeat: Heartbeat, ttlSeconds: number = DEFAULT_HEARTBEAT_TTL_SECONDS): Promise<void> {
    if (!(ttlSeconds > 0)) throw new RangeError(`ttlSeconds must be positive, got ${ttlSeconds}`);
    const item = withoutUndefined({
      [HEARTBEATS_PARTITION_KEY.name]: heartbeat.instanceId,
      seq: heartbeat.seq,
      sentAt: heartbeat.sentAt,
      leaving: heartbeat.leaving,
      checks: heartbeat.checks.map((check) => ({ ...check })),
      agentVersion: heartbeat.agentVersion,
      incarnation: heartbeat.incarnation,
      groups: heartbeat.groups,
      release: heartbeat.release,
      [TTL_ATTRIBUTE]: Math.floor(this.clock() / 1000) + Math.ceil(ttlSeconds),
    });
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#instanceId) OR #seq < :seq',
          ExpressionAttributeNames: { '#instanceId': HEARTBEATS_PARTITION_KEY.name, '#seq': 'seq' },
          ExpressionAttributeValues: { ':seq': heartbeat.seq },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new StaleHeartbeatError(heartbeat.instanceId, heartbeat.seq);
      throw this.translate('PutItem', error);
    }
  }

  /**
   * One node's heartbeat, read consistently unless `consistent` is false: what a new owner reads
   * of the old one, and a standby of its owner. Undefined when there is none (or it expired); a
   * malformed item comes back as such, naming its problem.
   */
  async readHeartbeat(
    instanceId: string,
    { consistent = true }: { readonly consistent?: boolean } = {},
  ): Promise<{ readonly beat: Heartbeat } | { readonly malformed: MalformedHeartbeat } | undefined> {
    const { Item } = await this.call('GetItem', () =>
      sendRaw<GetItemCommandOutput>(
        this.documents,
        new GetItemCommand({ TableName: this.tableName, Key: { [HEARTBEATS_PARTITION_KEY.name]: { S: instanceId } }, ConsistentRead: consistent }),
      ),
    );
    if (Item === undefined) return undefined;
    const verdict = judgeItem(Item, this.clock() / 1000);
    return 'expired' in verdict ? undefined : verdict;
  }

  /** The last stored sequence of a node (even if expired), so a restarted agent resumes above it. */
  async lastSequence(instanceId: string): Promise<number | undefined> {
    const { Item } = await this.call('GetItem', () =>
      sendRaw<GetItemCommandOutput>(
        this.documents,
        new GetItemCommand({ TableName: this.tableName, Key: { [HEARTBEATS_PARTITION_KEY.name]: { S: instanceId } }, ConsistentRead: true }),
      ),
    );
    // A sequence that is no safe integer counts as none: the agent then starts from its clock.
    const seq = Item?.seq?.N === undefined ? undefined : integerFromText(Item.seq.N);
    return seq !== undefined && 'value' in seq ? seq.value : undefined;
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw this.translate(operation, error);
    }
  }

  private translate(operation: string, error: unknown): Error {
    return translateStoreError(this.cluster, this.tableName, `${operation} ${this.tableName}`, error);
  }
}
