import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { parseClusterConfig } from '../core/config';
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
import { resourcesTableName } from '../names';

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
