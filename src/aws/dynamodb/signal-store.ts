import { PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { InstanceState, NodeSignal } from '../../core/model';
import type { SignalPort, StoredSignal } from '../../core/ports';
import { ClusterNotInitializedError, isConditionalCheckFailed, isResourceNotFound, StateStoreUnavailableError } from './errors';
import { RESOURCES_PARTITION_KEY, resourcesTableName, SignalItemKey } from '../../names';

/*
 * Node events (EC2 state changes, alarm changes) recorded by the events Lambda for the reconcile
 * loop, which runs in another invocation. One item per instance and per alarm in the resources
 * table, so the newest event of each wins and the set stays as small as the cluster.
 *
 * The items carry `kind: 'signal'` and no `resourceId`/`group`: the state scan, the spec apply and
 * the lease store recognise their own items by kind and key, so they pass these by.
 */

export function signalItemKey(signal: NodeSignal): string {
  return signal.kind === 'alarm' ? SignalItemKey.alarm(signal.alarmName) : SignalItemKey.instance(signal.instanceId);
}

const INSTANCE_STATES: ReadonlySet<string> = new Set<InstanceState>([
  'pending',
  'running',
  'stopping',
  'stopped',
  'shutting-down',
  'terminated',
  'absent',
]);

/** What an item holds, checked: a hand-edited or foreign item is skipped rather than trusted. */
function storedSignalFromItem(item: Record<string, unknown>): StoredSignal | undefined {
  const at = item.at;
  const signal = item.signal as Record<string, unknown> | undefined;
  if (typeof at !== 'number' || typeof signal !== 'object' || signal === null) return undefined;
  if (signal.kind === 'instance-state' && typeof signal.instanceId === 'string' && INSTANCE_STATES.has(String(signal.state))) {
    return { at, signal: { kind: 'instance-state', instanceId: signal.instanceId, state: signal.state as InstanceState } };
  }
  if (signal.kind === 'alarm' && typeof signal.alarmName === 'string' && typeof signal.alarming === 'boolean') {
    return { at, signal: { kind: 'alarm', alarmName: signal.alarmName, alarming: signal.alarming } };
  }
  return undefined;
}

export class SignalStore implements SignalPort {
  private readonly tableName: string;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly cluster: string,
  ) {
    this.tableName = resourcesTableName(cluster);
  }

  /**
   * Keeps the signal unless a newer one of the same instance or alarm is already stored: EventBridge
   * may deliver events late and out of order, and an old "running" must not hide a newer "stopped".
   */
  async recordSignal(stored: StoredSignal): Promise<void> {
    const pk = RESOURCES_PARTITION_KEY.name;
    try {
      await this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [pk]: signalItemKey(stored.signal), kind: 'signal', signal: { ...stored.signal }, at: stored.at },
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

  /**
   * Every signal item, newest per instance and alarm by construction. A Scan filtered on the key
   * prefix: signal keys are one partition each, so no Query reaches them all, and the table is a
   * handful of small items that the reconciler already scans whole every tick.
   */
  async readSignals(): Promise<readonly StoredSignal[]> {
    const signals: StoredSignal[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      let page;
      try {
        page = await this.documents.send(
          new ScanCommand({
            TableName: this.tableName,
            // A stop event must count on the very next tick, not after replication catches up.
            ConsistentRead: true,
            FilterExpression: 'begins_with(#pk, :prefix)',
            ExpressionAttributeNames: { '#pk': RESOURCES_PARTITION_KEY.name },
            ExpressionAttributeValues: { ':prefix': SignalItemKey.prefix },
            ExclusiveStartKey: startKey,
          }),
        );
      } catch (error) {
        throw this.translate('Scan', error);
      }
      for (const item of page.Items ?? []) {
        const stored = storedSignalFromItem(item);
        if (stored) signals.push(stored);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return signals;
  }

  private translate(operation: string, error: unknown): Error {
    if (isResourceNotFound(error)) return new ClusterNotInitializedError(this.cluster, `table ${this.tableName} does not exist`, error);
    return new StateStoreUnavailableError(`${operation} ${this.tableName}`, error);
  }
}
