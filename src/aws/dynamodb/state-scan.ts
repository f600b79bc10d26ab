import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ClusterNotInitializedError, isResourceNotFound, StateStoreUnavailableError } from './errors';
import { isClusterItem, isResourceItem, type ClusterItem, type ResourceItem } from './state-items';
import { resourcesTableName } from '../../names';

/*
 * The whole resources table in one consistent, paginated Scan: a cluster has a handful to
 * a few hundred small items, so one Scan is cheaper and simpler than keeping an index.
 */

export interface ResourcesTableContents {
  readonly cluster?: ClusterItem | undefined;
  /** Sorted by resource id, so the spec rebuilt from them does not depend on scan order. */
  readonly resources: readonly ResourceItem[];
}

export async function scanResourcesTable(documents: DynamoDBDocumentClient, cluster: string): Promise<ResourcesTableContents> {
  const tableName = resourcesTableName(cluster);
  const items: Record<string, unknown>[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    let page;
    try {
      page = await documents.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: startKey }));
    } catch (error) {
      if (isResourceNotFound(error)) throw new ClusterNotInitializedError(cluster, `table ${tableName} does not exist`, error);
      throw new StateStoreUnavailableError(`Scan ${tableName}`, error);
    }
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey);

  let clusterItem: ClusterItem | undefined;
  const resources: ResourceItem[] = [];
  for (const item of items) {
    if (isClusterItem(item)) clusterItem = item;
    else if (isResourceItem(item)) resources.push(item);
  }
  resources.sort((a, b) => (a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : 0));
  return { cluster: clusterItem, resources };
}
