import { ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ClusterNotInitializedError, isResourceNotFound, StateStoreUnavailableError } from './errors';
import { plainItem, sendRaw, type RawItem } from './raw-items';
import { isClusterItem, isResourceItem, readClusterItem, readResourceItem, type ClusterItem, type ResourceItem } from './state-items';
import { isSignalItem } from './signal-store';
import { resourcesTableName } from '../../names';

/*
 * The whole resources table in one consistent, paginated Scan: a cluster has a handful to
 * a few hundred small items, so one Scan is cheaper and simpler than keeping an index. Items
 * come raw and each is checked on its own (see state-items); node-event (signal) items are
 * handed back raw, so the reconciler reads state and events in one request; lease and other
 * items are left to the stores that own them.
 */

export interface ResourcesTableContents {
  readonly cluster?: ClusterItem | undefined;
  /** Sorted by resource id, so the spec rebuilt from them does not depend on scan order. */
  readonly resources: readonly ResourceItem[];
  /** The node-event items the same Scan met, unchecked (see signal-store). */
  readonly signalItems?: readonly RawItem[] | undefined;
}

/** Throws EC2F-D002 for a cluster or resource item whose key or bookkeeping cannot be read. */
export async function scanResourcesTable(documents: DynamoDBDocumentClient, cluster: string): Promise<ResourcesTableContents> {
  const tableName = resourcesTableName(cluster);
  const items: RawItem[] = [];
  let startKey: RawItem | undefined;
  do {
    let page: ScanCommandOutput | undefined;
    try {
      page = await sendRaw<ScanCommandOutput>(documents, new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    } catch (error) {
      if (isResourceNotFound(error)) throw new ClusterNotInitializedError(cluster, `table ${tableName} does not exist`, error);
      throw new StateStoreUnavailableError(`Scan ${tableName}`, error);
    }
    items.push(...(page?.Items ?? []));
    startKey = page?.LastEvaluatedKey;
  } while (startKey);

  let clusterItem: ClusterItem | undefined;
  const resources: ResourceItem[] = [];
  const signalItems: RawItem[] = [];
  for (const raw of items) {
    if (isSignalItem(raw)) {
      signalItems.push(raw);
      continue;
    }
    const item = plainItem(raw);
    if (isClusterItem(item)) clusterItem = readClusterItem(cluster, item);
    else if (isResourceItem(item)) resources.push(readResourceItem(cluster, item));
  }
  resources.sort((a, b) => (a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : 0));
  return { cluster: clusterItem, resources, signalItems };
}
