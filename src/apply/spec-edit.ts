import { randomUUID } from 'node:crypto';
import { DeleteCommand, PutCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { clusterConfigSchema, parseClusterConfig } from '../core/config';
import { ConfigError, Ec2FailoverError } from '../core/errors';
import {
  ApplyErrorCode,
  cancellationCodes,
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

export interface EditOptions {
  readonly now?: number | undefined;
  /** Validate and diff, write nothing. */
  readonly dryRun?: boolean | undefined;
}

export interface ResourcesEditResult {
  /** Per resource named, in that order; fields empty when it is unchanged. */
  readonly changes: readonly { readonly resourceId: string; readonly fields: readonly FieldChange[] }[];
}

/** The items named, each read once; an unknown id is refused naming the known ones. */
function itemsNamed(cluster: string, resources: readonly ResourceItem[], resourceIds: readonly string[]): ResourceItem[] {
  return resourceIds.map((resourceId) => {
    const item = resources.find((r) => r.resourceId === resourceId);
    if (item) return item;
    const known = resources.map((r) => r.resourceId).join(', ');
    throw new ConfigError([{ code: 'EC2F-C008', path: 'resources', message: `cluster "${cluster}" has no resource "${resourceId}"; resources: ${known}` }], 'edit');
  });
}

function editedSpec(item: ResourceItem, edit: (spec: ResourceItem['spec']) => ResourceItem['spec']): ResourceItem['spec'] {
  const edited = storable(edit(structuredClone(item.spec)));
  if (edited.id !== item.resourceId) {
    throw new ConfigError([{ code: 'EC2F-C016', path: 'id', message: 'an edit cannot rename a resource' }], 'edit');
  }
  if ((edited.group ?? edited.id) !== item.group) throw new GroupChangeByEditError(item.resourceId);
  return edited;
}

function updateAction(cluster: string, item: ResourceItem, spec: ResourceItem['spec'], writer: string, now: number) {
  return {
    TableName: resourcesTableName(cluster),
    Key: { pk: item.pk },
    UpdateExpression: 'SET #spec = :spec, #specHash = :specHash, #lastWriter = :writer, #updatedAt = :now',
    ConditionExpression: '#specHash = :readSpecHash',
    ExpressionAttributeNames: { '#spec': 'spec', '#specHash': 'specHash', '#lastWriter': 'lastWriter', '#updatedAt': 'updatedAt' },
    ExpressionAttributeValues: { ':spec': spec, ':specHash': specHash(spec), ':writer': writer, ':now': now, ':readSpecHash': item.specHash },
  };
}

/** One item: an update; several: one transaction, so a group never holds half an edit. */
async function writeEdits(documents: DynamoDBDocumentClient, cluster: string, updates: readonly ReturnType<typeof updateAction>[], what: string): Promise<void> {
  try {
    if (updates.length === 1) await documents.send(new UpdateCommand(updates[0]!));
    else await documents.send(new TransactWriteCommand({ TransactItems: updates.map((Update) => ({ Update })), ClientRequestToken: randomUUID() }));
  } catch (error) {
    const codes = cancellationCodes(error);
    if (isConditionalCheckFailed(error) || codes?.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict')) {
      throw new ConcurrentApplyError(cluster, `${what} was not edited; retry the edit`, error);
    }
    throw new StateStoreUnavailableError(`${updates.length === 1 ? 'UpdateItem' : 'TransactWriteItems'} ${resourcesTableName(cluster)}`, error);
  }
}

/**
 * Edits several resources of the stored spec at once (the resources of one group must agree on
 * members, switchback and fencing, so a change to one of them is a change to all). The result
 * must validate as a whole cluster; every write is conditional on the spec read.
 */
export async function editStoredResources(
  documents: DynamoDBDocumentClient,
  cluster: string,
  resourceIds: readonly string[],
  edit: (spec: ResourceItem['spec']) => ResourceItem['spec'],
  writer: string,
  options: EditOptions = {},
): Promise<ResourcesEditResult> {
  const stored = await scanResourcesTable(documents, cluster);
  if (!stored.cluster) throw new ClusterNotInitializedError(cluster, `no cluster item in ${resourcesTableName(cluster)}`);
  const items = itemsNamed(cluster, stored.resources, resourceIds);
  const edited = new Map(items.map((item) => [item.resourceId, editedSpec(item, edit)]));
  const resources = stored.resources.map((r) => ({ ...r, spec: edited.get(r.resourceId) ?? r.spec }));
  parseClusterConfig(configDocumentFromItems(stored.cluster, resources), 'edited spec');

  const changes = items.map((item) => ({ resourceId: item.resourceId, fields: diffValues(item.spec, edited.get(item.resourceId)) }));
  const updates = items.filter((_, i) => changes[i]!.fields.length > 0).map((item) => updateAction(cluster, item, edited.get(item.resourceId)!, writer, options.now ?? Date.now()));
  if (updates.length > 0 && !options.dryRun) await writeEdits(documents, cluster, updates, `resource ${resourceIds.map((id) => `"${id}"`).join(', ')}`);
  return { changes };
}

/** Edits one resource of the stored spec (see editStoredResources). */
export async function editStoredResource(
  documents: DynamoDBDocumentClient,
  cluster: string,
  resourceId: string,
  edit: (spec: ResourceItem['spec']) => ResourceItem['spec'],
  writer: string,
  now: number = Date.now(),
): Promise<ResourceEditResult> {
  const { changes } = await editStoredResources(documents, cluster, [resourceId], edit, writer, { now });
  return { fields: changes[0]!.fields };
}
