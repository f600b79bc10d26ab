import { ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { InstanceState, NodeSignal } from '../../core/model';
import type { SignalPort, StoredSignal } from '../../core/ports';
import { ClusterNotInitializedError, isConditionalCheckFailed, isResourceNotFound, StateErrorCode, StateStoreUnavailableError } from './errors';
import { checkItem, storedNumber, type MalformedItem, type MalformedItemListener } from './item-schema';
import { plainItem, sendRaw, stringAttribute, type RawItem } from './raw-items';
import { RESOURCES_PARTITION_KEY, resourcesTableName, SignalItemKey, TTL_ATTRIBUTE } from '../../names';

/*
 * Node events (EC2 state changes, alarm changes) recorded by the events Lambda for the reconcile
 * loop, which runs in another invocation. One item per instance and per alarm in the resources
 * table, so the newest event of each wins and the set stays as small as the cluster.
 *
 * The items carry `kind: 'signal'` and no `resourceId`/`group`: the state scan, the spec apply and
 * the lease store recognise their own items by kind and key, so they pass these by.
 *
 * Each item is checked on its own when read: a malformed one is left out (EC2F-D012, to the
 * listener given) and the others still count. Leaving a signal out is safe: heartbeats and EC2
 * observations still judge the node, the signal only made that faster.
 *
 * `at` is the event's own time. A signal expires an hour after it (`expiresAt`, the table's TTL):
 * by then EC2 and the heartbeats have long said what it said. DynamoDB deletes expired items
 * lazily (within days), so a read leaves them out itself.
 */

/** How long after its event a signal counts. */
export const SIGNAL_TTL_SECONDS = 3_600;

/** The TTL value of a signal of an event at `at` (ms): epoch seconds, as DynamoDB's TTL requires. */
function expiryOf(at: number): number {
  return Math.floor(at / 1000) + SIGNAL_TTL_SECONDS;
}

export function signalItemKey(signal: NodeSignal): string {
  return signal.kind === 'alarm' ? SignalItemKey.alarm(signal.alarmName) : SignalItemKey.instance(signal.instanceId);
}

const INSTANCE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated', 'absent'] as const satisfies readonly InstanceState[];

const signalItemSchema = z
  .object({
    pk: z.string(),
    at: storedNumber(),
    /** TTL_ATTRIBUTE; absent on items an older release wrote, whose expiry follows from `at`. */
    expiresAt: storedNumber().optional(),
    signal: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('instance-state'), instanceId: z.string().min(1), state: z.enum(INSTANCE_STATES) }),
      z.object({ kind: z.literal('alarm'), alarmName: z.string().min(1), alarming: z.boolean() }),
    ]),
  })
  .check((context) => {
    const { pk, signal } = context.value;
    if (signalItemKey(signal) !== pk) context.issues.push({ code: 'custom', path: ['signal'], message: `does not match its key ${pk}`, input: signal });
  });

export interface SignalStoreOptions {
  /** Told about every item a read leaves out. */
  readonly onMalformed?: MalformedItemListener | undefined;
  /** The clock a read judges expiry by. @default Date.now */
  readonly clock?: (() => number) | undefined;
}

export interface SignalRead {
  readonly signals: readonly StoredSignal[];
  readonly malformed: readonly MalformedItem[];
}

/**
 * The signals among items of the resources table (other items are passed by), each checked on its
 * own: the valid ones not past their expiry at `nowSeconds`, apart from the malformed ones. Used by
 * the signal store's own Scan and by the state store, whose Scan of the table carries them too.
 */
export function signalsAmong(items: readonly RawItem[], tableName: string, nowSeconds: number): SignalRead {
  const signals: StoredSignal[] = [];
  const malformed: MalformedItem[] = [];
  for (const raw of items) {
    if (!isSignalItem(raw)) continue;
    const checked = checkItem(signalItemSchema, plainItem(raw));
    if (!checked.ok) malformed.push({ code: StateErrorCode.malformedSignal, table: tableName, key: stringAttribute(raw, RESOURCES_PARTITION_KEY.name)!, problem: checked.problem });
    // Past its expiry, what it said is long known: left out, not reported.
    else if ((checked.value.expiresAt ?? expiryOf(checked.value.at)) > nowSeconds) signals.push({ at: checked.value.at, signal: checked.value.signal });
  }
  return { signals, malformed };
}

/** A signal item by its key, whatever else it holds. */
export function isSignalItem(raw: RawItem): boolean {
  return stringAttribute(raw, RESOURCES_PARTITION_KEY.name)?.startsWith(SignalItemKey.prefix) ?? false;
}

export class SignalStore implements SignalPort {
  private readonly tableName: string;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly cluster: string,
    private readonly options: SignalStoreOptions = {},
  ) {
    this.tableName = resourcesTableName(cluster);
  }

  /**
   * Keeps the signal unless one of the same instance or alarm at least as new (by the events' own
   * time; a tie keeps the stored one) is already there: EventBridge may deliver events late, out of
   * order or twice, and an old "stopped" must not hide a newer "running", nor the reverse.
   */
  async recordSignal(stored: StoredSignal): Promise<void> {
    const pk = RESOURCES_PARTITION_KEY.name;
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [pk]: signalItemKey(stored.signal), kind: 'signal', signal: { ...stored.signal }, at: stored.at, [TTL_ATTRIBUTE]: expiryOf(stored.at) },
          ConditionExpression: 'attribute_not_exists(#pk) OR #at < :at',
          ExpressionAttributeNames: { '#pk': pk, '#at': 'at' },
          ExpressionAttributeValues: { ':at': stored.at },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) return;
      throw this.translate('PutItem', error);
    }
  }

  /** Every valid signal item not past its expiry, newest per instance and alarm by construction; malformed ones go to the listener. */
  async readSignals(): Promise<readonly StoredSignal[]> {
    const { signals, malformed } = await this.readSignalsChecked();
    for (const item of malformed) this.options.onMalformed?.(item);
    return signals;
  }

  /**
   * Every signal item not past its expiry, the valid ones apart from the malformed ones. A Scan filtered on the key
   * prefix: signal keys are one partition each, so no Query reaches them all, and the table is a
   * handful of small items that the reconciler already scans whole every tick.
   */
  async readSignalsChecked(): Promise<SignalRead> {
    const signals: StoredSignal[] = [];
    const malformed: MalformedItem[] = [];
    const nowSeconds = (this.options.clock ?? Date.now)() / 1000;
    let startKey: RawItem | undefined;
    do {
      let page: ScanCommandOutput;
      try {
        page = await sendRaw<ScanCommandOutput>(
          this.documents,
          new ScanCommand({
            TableName: this.tableName,
            // A stop event must count on the very next tick, not after replication catches up.
            ConsistentRead: true,
            FilterExpression: 'begins_with(#pk, :prefix)',
            ExpressionAttributeNames: { '#pk': RESOURCES_PARTITION_KEY.name },
            ExpressionAttributeValues: { ':prefix': { S: SignalItemKey.prefix } },
            ExclusiveStartKey: startKey,
          }),
        );
      } catch (error) {
        throw this.translate('Scan', error);
      }
      const read = signalsAmong(page.Items ?? [], this.tableName, nowSeconds);
      signals.push(...read.signals);
      malformed.push(...read.malformed);
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return { signals, malformed };
  }

  private translate(operation: string, error: unknown): Error {
    if (isResourceNotFound(error)) return new ClusterNotInitializedError(this.cluster, `table ${this.tableName} does not exist`, error);
    return new StateStoreUnavailableError(`${operation} ${this.tableName}`, error);
  }
}
