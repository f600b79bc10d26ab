import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { Ec2FailoverError } from '../../src/core/errors';
import type { SpecApplyRuntime } from '../runtime/runtime';
import { applySpec, itemLabel, type ItemChange } from '../../src/apply/spec-apply';

/*
 * The config's specs applied at deploy time, as a CloudFormation custom resource: the same apply
 * as `ec2-failover init`, with the same conflict rule, so an edit made with the CLI since the last
 * apply fails the deployment (with the coded message) instead of being overwritten silently.
 * Deleting the stack keeps the stored spec: the tables are retained, and so is what they hold.
 */

/** Property names of the custom resource; the CDK construct writes them, the handler reads them. */
export const SpecApplyProperty = {
  /** The config document as JSON: CloudFormation hands every other property over as a string anyway. */
  config: 'ConfigJson',
  writer: 'Writer',
  force: 'Force',
  prune: 'Prune',
} as const;

export class SpecApplyRequestError extends Ec2FailoverError {
  constructor(message: string) {
    super('EC2F-F002', message);
    this.name = 'SpecApplyRequestError';
  }
}

export interface SpecApplyResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Readonly<Record<string, string>> | undefined;
}

function property(event: CloudFormationCustomResourceEvent, name: string): string | undefined {
  const value: unknown = event.ResourceProperties[name];
  return typeof value === 'string' ? value : undefined;
}

function configDocument(event: CloudFormationCustomResourceEvent): unknown {
  const text = property(event, SpecApplyProperty.config);
  if (text === undefined) throw new SpecApplyRequestError(`the custom resource has no ${SpecApplyProperty.config} property; redeploy with the ec2-failover construct`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SpecApplyRequestError(`${SpecApplyProperty.config} is not JSON: ${(error as Error).message}`);
  }
}

function changeCounts(changes: readonly ItemChange[]): Record<string, string> {
  const count = (kind: ItemChange['change']) => String(changes.filter((c) => c.change === kind).length);
  return { Added: count('added'), Changed: count('changed'), Removed: count('removed'), Unchanged: count('unchanged') };
}

export function specPhysicalId(cluster: string): string {
  return `ec2-failover-spec:${cluster}`;
}

export async function onSpecApplyEvent(event: CloudFormationCustomResourceEvent, runtime: SpecApplyRuntime): Promise<SpecApplyResponse> {
  if (event.RequestType === 'Delete') {
    runtime.logger.info('stack deletion keeps the stored spec; the tables are retained', { physicalResourceId: event.PhysicalResourceId });
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const result = await applySpec(runtime.dynamoDb, configDocument(event), {
    writer: property(event, SpecApplyProperty.writer) ?? 'cdk',
    force: property(event, SpecApplyProperty.force) === 'true',
    prune: property(event, SpecApplyProperty.prune) === 'true',
  });
  runtime.logger.appendKeys({ cluster: result.cluster });
  for (const change of result.changes) if (change.change !== 'unchanged') runtime.logger.info(`${change.change} ${itemLabel(change.item)}`, { change });
  const data = { ...changeCounts(result.changes), Transactions: String(result.transactions) };
  runtime.logger.info('spec applied', data);
  return { PhysicalResourceId: specPhysicalId(result.cluster), Data: data };
}
