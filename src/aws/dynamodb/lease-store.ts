import { GetItemCommand, type GetItemCommandOutput } from '@aws-sdk/client-dynamodb';
import { NumberValue, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { LivenessBaseline, LivenessBaselines } from '../../core/model';
import type { FencingToken, LeaseAcquisition, LeasePort } from '../../core/ports';
import { isConditionalCheckFailed, LeaseItemInvalidError, translateStoreError } from './errors';
import { checkItem, describeValue, storedInteger, storedNumber } from './item-schema';
import { plainItem, sendRaw } from './raw-items';
import { withoutUndefined } from './values';
import { RECONCILER_LEASE, ResourceItemKey, resourcesTableName } from '../../names';

/*
 * The reconcile lease: at most one loop (a Lambda run or a controller) acts at a time.
 * Whoever takes the lease over from another holder gets the previous token + 1, and status
 * writes are conditional on holder + token (see DynamoStateStore.commitStatus): a holder that
 * paused past its expiry and wakes up finds its writes refused. Tokens only grow; a release
 * keeps the token so the next holder still gets a bigger one.
 *
 * The liveness baselines (last heartbeat sequence per node, as the holder saw it) travel with
 * the lease: a new holder starts from them instead of from nothing, so a handover neither
 * declares a live node dead nor revives a dead one.
 *
 * Expiry is compared with the clock of whoever acquires; keep the TTL well above the clock
 * skew between reconciler hosts. Holder ids must be unique per process (a Lambda request id,
 * host + pid for a controller): the same holder id re-acquires with the same token.
 *
 * The item is checked when read: an unreadable holder, token or expiry is refused (EC2F-D010),
 * since no loop could then tell whether it may act; one node's malformed baseline is dropped
 * (that node starts from nothing, as after a fresh start) and the others are kept.
 */

export interface LeaseState {
  readonly holder: string;
  readonly token: number;
  /** ms; 0 once released. */
  readonly expiresAt: number;
  readonly baselines: LivenessBaselines;
  readonly acquiredAt?: number | undefined;
  readonly previousHolder?: string | undefined;
  /** Baselines left out because they did not validate: `node: problem`. */
  readonly droppedBaselines?: readonly string[] | undefined;
}

/** `baselines`: what the previous holder (or this one, earlier) last saved; `tookOver`: the lease moved from another holder. */
export type AcquireResult = LeaseAcquisition;

export type RenewResult = { readonly renewed: true; readonly expiresAt: number } | { readonly renewed: false };

/** `fenced`: the lease has moved on (or was never ours); nothing was written. */
export type LeaseWriteResult = 'done' | 'fenced';

const ACQUIRE_ATTEMPTS = 3;

const informative = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

const leaseItemSchema = z.object({
  holder: z.string().min(1),
  token: storedInteger(0),
  expiresAtMs: storedNumber(),
  acquiredAt: informative(storedNumber()),
  previousHolder: informative(z.string()),
});

const baselineSchema = z.object({
  seq: storedInteger(0),
  seenAt: storedNumber(),
  healthySince: storedNumber().optional(),
  stableSince: storedNumber().optional(),
  incarnation: z.string().optional(),
  aliveAt: storedNumber().optional(),
  lagMs: storedNumber().optional(),
  lagAt: storedNumber().optional(),
});

/** Each node's baseline checked on its own: one malformed entry affects only its node. */
function checkedBaselines(value: unknown): { readonly baselines: LivenessBaselines; readonly dropped: readonly string[] } {
  if (value === undefined) return { baselines: {}, dropped: [] };
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Object.getPrototypeOf(value) !== Object.prototype) {
    return { baselines: {}, dropped: [`baselines: expected a map, got ${describeValue(value)}`] };
  }
  const baselines: Record<string, LivenessBaseline> = {};
  const dropped: string[] = [];
  for (const [node, entry] of Object.entries(value)) {
    const checked = checkItem(baselineSchema, entry);
    if (checked.ok) baselines[node] = checked.value;
    else dropped.push(`${node}: ${checked.problem}`);
  }
  return { baselines, dropped };
}

/** The lease as read, with the exact text of its expiry: a takeover is conditional on that very value. */
interface ReadLease {
  readonly state: LeaseState;
  readonly expiresAtText: string;
}

export class DynamoLeaseStore implements LeasePort {
  private readonly tableName: string;
  private readonly key: { pk: string };

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly cluster: string,
    leaseName: string = RECONCILER_LEASE,
  ) {
    this.tableName = resourcesTableName(cluster);
    this.key = { pk: ResourceItemKey.lease(leaseName) };
  }

  /** Throws LeaseItemInvalidError (EC2F-D010) when holder, token or expiry cannot be read. */
  async read(): Promise<LeaseState | undefined> {
    return (await this.readChecked())?.state;
  }

  private async readChecked(): Promise<ReadLease | undefined> {
    const { Item } = await this.call('GetItem', () =>
      sendRaw<GetItemCommandOutput>(
        this.documents,
        new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: this.key.pk } }, ConsistentRead: true }),
      ),
    );
    if (!Item) return undefined;
    const item = plainItem(Item);
    const checked = checkItem(leaseItemSchema, item);
    if (!checked.ok) throw new LeaseItemInvalidError(this.cluster, this.key.pk, checked.problem);
    const { baselines, dropped } = checkedBaselines(item.baselines);
    const lease = checked.value;
    return {
      state: {
        holder: lease.holder,
        token: lease.token,
        expiresAt: lease.expiresAtMs,
        baselines,
        acquiredAt: lease.acquiredAt,
        previousHolder: lease.previousHolder,
        ...(dropped.length > 0 ? { droppedBaselines: dropped } : {}),
      },
      expiresAtText: Item.expiresAtMs!.N!,
    };
  }

  /** Takes the lease when it is free, expired or already ours; tells who holds it otherwise. */
  async acquire(holder: string, ttlMs: number, now: number): Promise<AcquireResult> {
    const expiresAt = now + ttlMs;
    for (let attempt = 1; ; attempt += 1) {
      const read = await this.readChecked();
      let won: boolean;
      if (!read) {
        won = await this.conditional(() =>
          this.documents.send(
            new PutCommand({
              TableName: this.tableName,
              Item: { ...this.key, kind: 'lease', holder, token: 1, expiresAtMs: expiresAt, baselines: {}, acquiredAt: now },
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': 'pk' },
            }),
          ),
        );
        if (won) return { acquired: true, fence: { holder, token: 1 }, expiresAt, baselines: {}, tookOver: false };
      } else if (read.state.holder === holder) {
        const current = read.state;
        const renewed = await this.renew({ holder, token: current.token }, ttlMs, now);
        if (renewed.renewed) {
          return { acquired: true, fence: { holder, token: current.token }, expiresAt, baselines: current.baselines, tookOver: false };
        }
      } else if (read.state.expiresAt <= now) {
        const current = read.state;
        const token = current.token + 1;
        won = await this.conditional(() =>
          this.documents.send(
            new UpdateCommand({
              TableName: this.tableName,
              Key: this.key,
              UpdateExpression:
                'SET #holder = :holder, #token = :token, #expiresAtMs = :expiresAt, #acquiredAt = :now, #previousHolder = :previousHolder',
              // Exactly the lease we judged expired: not renewed, not taken by a third loop meanwhile.
              ConditionExpression: '#holder = :previousHolder AND #token = :previousToken AND #expiresAtMs = :previousExpiresAt',
              ExpressionAttributeNames: {
                '#holder': 'holder',
                '#token': 'token',
                '#expiresAtMs': 'expiresAtMs',
                '#acquiredAt': 'acquiredAt',
                '#previousHolder': 'previousHolder',
              },
              ExpressionAttributeValues: {
                ':holder': holder,
                ':token': token,
                ':expiresAt': expiresAt,
                ':now': now,
                ':previousHolder': current.holder,
                ':previousToken': current.token,
                // The stored text itself: a value a double cannot hold must still match.
                ':previousExpiresAt': NumberValue.from(read.expiresAtText),
              },
            }),
          ),
        );
        if (won) {
          return {
            acquired: true,
            fence: { holder, token },
            expiresAt,
            baselines: current.baselines,
            tookOver: true,
            previousHolder: current.holder,
            previousReleased: current.expiresAt === 0,
          };
        }
      } else {
        return { acquired: false, holder: read.state.holder, token: read.state.token, expiresAt: read.state.expiresAt };
      }
      // Lost a race with another loop: judge again from what is stored now.
      if (attempt >= ACQUIRE_ATTEMPTS) {
        const latest = await this.read();
        return { acquired: false, holder: latest?.holder ?? '(unknown)', token: latest?.token ?? 0, expiresAt: latest?.expiresAt ?? 0 };
      }
    }
  }

  /** Extends the lease if `fence` still holds it; optionally saves the baselines in the same write. */
  async renew(fence: FencingToken, ttlMs: number, now: number, baselines?: LivenessBaselines): Promise<RenewResult> {
    const expiresAt = now + ttlMs;
    const saveBaselines = baselines !== undefined;
    const won = await this.conditional(() =>
      this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key,
          UpdateExpression: saveBaselines ? 'SET #expiresAtMs = :expiresAt, #baselines = :baselines' : 'SET #expiresAtMs = :expiresAt',
          ConditionExpression: '#holder = :holder AND #token = :token',
          ExpressionAttributeNames: {
            '#holder': 'holder',
            '#token': 'token',
            '#expiresAtMs': 'expiresAtMs',
            ...(saveBaselines ? { '#baselines': 'baselines' } : {}),
          },
          ExpressionAttributeValues: {
            ':holder': fence.holder,
            ':token': fence.token,
            ':expiresAt': expiresAt,
            ...(saveBaselines ? { ':baselines': withoutUndefined(baselines) } : {}),
          },
        }),
      ),
    );
    return won ? { renewed: true, expiresAt } : { renewed: false };
  }

  async saveBaselines(fence: FencingToken, baselines: LivenessBaselines): Promise<LeaseWriteResult> {
    return this.fencedUpdate(fence, 'SET #baselines = :baselines', { '#baselines': 'baselines' }, { ':baselines': withoutUndefined(baselines) });
  }

  /** Lets the next loop in at once; keeps the token (tokens only grow) and the baselines. */
  async release(fence: FencingToken): Promise<LeaseWriteResult> {
    return this.fencedUpdate(fence, 'SET #expiresAtMs = :zero', { '#expiresAtMs': 'expiresAtMs' }, { ':zero': 0 });
  }

  private async fencedUpdate(
    fence: FencingToken,
    updateExpression: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
  ): Promise<LeaseWriteResult> {
    const won = await this.conditional(() =>
      this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: this.key,
          UpdateExpression: updateExpression,
          ConditionExpression: '#holder = :holder AND #token = :token',
          ExpressionAttributeNames: { '#holder': 'holder', '#token': 'token', ...names },
          ExpressionAttributeValues: { ':holder': fence.holder, ':token': fence.token, ...values },
        }),
      ),
    );
    return won ? 'done' : 'fenced';
  }

  /** True when the conditional write happened, false when its condition failed. */
  private async conditional(send: () => Promise<unknown>): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw this.translate('write', error);
    }
  }

  private async call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw this.translate(operation, error);
    }
  }

  private translate(operation: string, error: unknown): Error {
    return translateStoreError(this.cluster, this.tableName, `${operation} lease in ${this.tableName}`, error);
  }
}
