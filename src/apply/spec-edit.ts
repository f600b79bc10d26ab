import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clusterConfigSchema, parseClusterConfig } from '../core/config';
import { ConfigError, Ec2FailoverError } from '../core/errors';
import {
  ApplyErrorCode,
  ClusterNotInitializedError,
  ConcurrentApplyError,
  isConditionalCheckFailed,
  StateStoreUnavailableError,
} from '../aws/dynamodb/errors';
import { withoutUndefined } from '../aws/dynamodb/values';
import { diffValues, type FieldChange } from './spec-diff';
import { specHash } from './spec-hash';
import type { ResourceItem } from '../aws/dynamodb/state-items';
import { scanResourcesTable } from '../aws/dynamodb/state-scan';
import { configDocumentFromItems } from '../aws/dynamodb/state-spec';
import { ResourceItemKey, resourcesTableName } from '../names';

/*
 * The path for edits made outside `init` (the operator CLI's edit commands): changes one
 * resource's spec in place. It updates `spec` and `specHash` but leaves `appliedHash`, so the
 * next `init` notices the edit and refuses to overwrite it without --force. The result must
 * still validate as a whole cluster; moving a resource between groups is left to `init`,
 * which carries the group status along.
 */

export class GroupChangeByEditError extends Ec2FailoverError {
  constructor(resourceId: string) {
    super(
      ApplyErrorCode.groupChangeByEdit,
      `resource "${resourceId}" cannot change group by an edit; change "group" in the config file and run init, which carries the group's status along`,
    );
    this.name = 'GroupChangeByEditError';
  }
}

export interface ResourceEditResult {
  readonly fields: readonly FieldChange[];
}

/** Plain JSON, as DynamoDB hands it back, so hashes compare fairly. */
function storable<T>(value: T): T {
  return JSON.parse(JSON.stringify(withoutUndefined(value))) as T;
}

function translate(cluster: string, operation: string, what: string, error: unknown): Error {
  if (isConditionalCheckFailed(error)) return new ConcurrentApplyError(cluster, `resource "${what}" changed under the edit; retry it`, error);
  return new StateStoreUnavailableError(`${operation} ${resourcesTableName(cluster)}`, error);
}

/**
 * Adds a resource to the stored spec, validated with the whole cluster as the file would be.
 * Only into a group of its own or a group with no status yet: joining a group that has an owner
 * carries that status along, which is `apply`'s job.
 */
export async function createStoredResource(
  documents: DynamoDBDocumentClient,
  cluster: string,
  resource: ResourceItem['spec'],
  writer: string,
  now: number = Date.now(),
): Promise<{ readonly group: string }> {
  const stored = await scanResourcesTable(documents, cluster);
  if (!stored.cluster) throw new ClusterNotInitializedError(cluster, `no cluster item in ${resourcesTableName(cluster)}`);
  const spec = storable(resource);
  if (stored.resources.some((r) => r.resourceId === spec.id)) {
    throw new ConfigError([{ code: 'EC2F-C015', path: 'id', message: `cluster "${cluster}" already has a resource "${spec.id}"` }], 'new resource');
  }
  const group = spec.group ?? spec.id;
  if (stored.resources.some((r) => r.group === group && typeof r.version === 'number')) {
    throw new ConfigError(
      [{ code: 'EC2F-C016', path: 'group', message: `group "${group}" already has an owner; add the resource to the config file and apply it, which carries the group's status along` }],
      'new resource',
    );
  }
  const document = configDocumentFromItems(stored.cluster, stored.resources);
  const whole = { ...document, resources: [...(document.resources as unknown[]), spec] };
  parseClusterConfig(whole, 'new resource');
  // Stored as the apply stores a resource: the schema's output, its defaults filled in.
  const parsed = storable(clusterConfigSchema.parse(whole).resources.at(-1)) as unknown as ResourceItem['spec'];
  const hash = specHash(parsed);
  try {
    await documents.send(
      new PutCommand({
        TableName: resourcesTableName(cluster),
        // appliedHash left out: the next apply sees an edit made outside it, as for every edit.
        Item: { pk: ResourceItemKey.resource(spec.id), kind: 'resource', resourceId: spec.id, group, spec: parsed, specHash: hash, lastWriter: writer, updatedAt: now },
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': 'pk' },
      }),
    );
  } catch (error) {
    throw translate(cluster, 'PutItem', spec.id, error);
  }
  return { group };
}

/** Removes a resource from the stored spec; the rest must still validate. */
export async function deleteStoredResource(documents: DynamoDBDocumentClient, cluster: string, resourceId: string): Promise<ResourceItem> {
  const stored = await scanResourcesTable(documents, cluster);
  if (!stored.cluster) throw new ClusterNotInitializedError(cluster, `no cluster item in ${resourcesTableName(cluster)}`);
  const item = stored.resources.find((r) => r.resourceId === resourceId);
  if (!item) throw new ConfigError([{ code: 'EC2F-C008', path: 'resources', message: `cluster "${cluster}" has no resource "${resourceId}"` }], 'edit');
  const rest = stored.resources.filter((r) => r.resourceId !== resourceId);
  if (rest.length === 0) {
    throw new ConfigError([{ code: 'EC2F-C016', path: 'resources', message: `"${resourceId}" is the cluster's last resource; a cluster protects at least one` }], 'edit');
  }
  parseClusterConfig(configDocumentFromItems(stored.cluster, rest), 'edited spec');
  try {
    await documents.send(
      new DeleteCommand({
        TableName: resourcesTableName(cluster),
        Key: { pk: item.pk },
        ConditionExpression: '#specHash = :readSpecHash',
        ExpressionAttributeNames: { '#specHash': 'specHash' },
        ExpressionAttributeValues: { ':readSpecHash': item.specHash },
      }),
    );
  } catch (error) {
    throw translate(cluster, 'DeleteItem', resourceId, error);
  }
  return item;
}

export async function editStoredResource(
  documents: DynamoDBDocumentClient,
  cluster: string,
  resourceId: string,
  edit: (spec: ResourceItem['spec']) => ResourceItem['spec'],
  writer: string,
  now: number = Date.now(),
): Promise<ResourceEditResult> {
  const stored = await scanResourcesTable(documents, cluster);
  if (!stored.cluster) throw new ClusterNotInitializedError(cluster, `no cluster item in ${resourcesTableName(cluster)}`);
  const item = stored.resources.find((r) => r.resourceId === resourceId);
  if (!item) {
    throw new ConfigError([{ code: 'EC2F-C008', path: 'resources', message: `cluster "${cluster}" has no resource "${resourceId}"` }], 'edit');
  }
  const edited = JSON.parse(JSON.stringify(withoutUndefined(edit(structuredClone(item.spec))))) as ResourceItem['spec'];
  if (edited.id !== resourceId) {
    throw new ConfigError([{ code: 'EC2F-C016', path: 'id', message: 'an edit cannot rename a resource' }], 'edit');
  }
  if ((edited.group ?? edited.id) !== item.group) throw new GroupChangeByEditError(resourceId);

  const resources = stored.resources.map((r) => (r.resourceId === resourceId ? { ...r, spec: edited } : r));
  parseClusterConfig(configDocumentFromItems(stored.cluster, resources), 'edited spec');

  const fields = diffValues(item.spec, edited);
  if (fields.length === 0) return { fields };
  try {
    await documents.send(
      new UpdateCommand({
        TableName: resourcesTableName(cluster),
        Key: { pk: item.pk },
        UpdateExpression: 'SET #spec = :spec, #specHash = :specHash, #lastWriter = :writer, #updatedAt = :now',
        ConditionExpression: '#specHash = :readSpecHash',
        ExpressionAttributeNames: { '#spec': 'spec', '#specHash': 'specHash', '#lastWriter': 'lastWriter', '#updatedAt': 'updatedAt' },
        ExpressionAttributeValues: { ':spec': edited, ':specHash': specHash(edited), ':writer': writer, ':now': now, ':readSpecHash': item.specHash },
      }),
    );
  } catch (error) {
    if (isConditionalCheckFailed(error)) throw new ConcurrentApplyError(cluster, `resource "${resourceId}" was not edited; retry the edit`, error);
    throw new StateStoreUnavailableError(`UpdateItem ${resourcesTableName(cluster)}`, error);
  }
  return { fields };
}
