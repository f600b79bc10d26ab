import { GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HealthCheckResult, Heartbeat, HeartbeatRead } from '../../core/model';
import type { HeartbeatPort } from '../../core/ports';
import { isConditionalCheckFailed, StaleHeartbeatError, translateStoreError } from './errors';
import { withoutUndefined } from './values';
import { heartbeatsTableName, HEARTBEATS_PARTITION_KEY, TTL_ATTRIBUTE } from '../../names';

/*
 * One item per node, overwritten at every beat. The write is conditional on the sequence
 * advancing, so a delayed or replayed beat can never make a dead node look alive again.
 * The TTL only cleans up nodes that went away: liveness is judged from the sequence, so the
 * TTL should be far longer than the failure window (minutes, not seconds) — then the
 * agent's clock, which computes it, cannot matter.
 */

/** A TTL far beyond any failure window: only departed nodes ever reach it. */
export const DEFAULT_HEARTBEAT_TTL_SECONDS = 3_600;

export interface HeartbeatStoreOptions {
  /** The clock that decides whether a stored heartbeat has expired; Date.now by default. */
  readonly clock?: (() => number) | undefined;
}

function heartbeatFromItem(item: Record<string, unknown>): Heartbeat {
  return {
    instanceId: String(item[HEARTBEATS_PARTITION_KEY.name]),
    seq: Number(item.seq),
    sentAt: Number(item.sentAt),
    leaving: item.leaving === true,
    checks: Array.isArray(item.checks) ? (item.checks as HealthCheckResult[]) : [],
    agentVersion: typeof item.agentVersion === 'string' ? item.agentVersion : undefined,
  };
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
    const heartbeats: Heartbeat[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      // Consistent: an eventually consistent read may show an older sequence, delaying detection of life.
      const page = await this.call('Scan', () =>
        this.documents.send(new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: startKey })),
      );
      for (const item of page.Items ?? []) {
        // DynamoDB deletes expired items lazily (up to days later on AWS): they are gone for us now.
        const expiresAt = item[TTL_ATTRIBUTE];
        if (typeof expiresAt === 'number' && expiresAt <= nowSeconds) continue;
        heartbeats.push(heartbeatFromItem(item));
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { beats: heartbeats, malformed: [] };
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

  /** The last stored sequence of a node (even if expired), so a restarted agent resumes above it. */
  async lastSequence(instanceId: string): Promise<number | undefined> {
    const { Item } = await this.call('GetItem', () =>
      this.documents.send(
        new GetCommand({ TableName: this.tableName, Key: { [HEARTBEATS_PARTITION_KEY.name]: instanceId }, ConsistentRead: true }),
      ),
    );
    return Item && typeof Item.seq === 'number' ? Item.seq : undefined;
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
