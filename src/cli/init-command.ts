import { dynamoDbClient, dynamoDbDocumentClient, regionFromEnvironment } from '../aws/dynamodb/client';
import { DynamoHistoryStore } from '../aws/dynamodb/history-store';
import { DynamoStateStore } from '../aws/dynamodb/state-store';
import type { ClusterSpec } from '../core/model';
import { callerIdentity } from './caller-identity';
import { applySpec, itemLabel, type ApplyResult, type ItemChange } from '../apply/spec-apply';
import { formatFieldChange } from '../apply/spec-diff';
import type { CommandIo } from './cli-io';
import { readClusterConfigFile } from './cluster-config';
import { prepareWake } from './wake-reconciler';

/*
 * `ec2-failover init --config FILE [--force] [--prune] [--writer NAME]`: creates the cluster's
 * tables when absent and applies the config to them, printing what changed in a kubectl-like
 * form. DynamoDB is reached through the SDK's standard environment (AWS_REGION,
 * AWS_ENDPOINT_URL_DYNAMODB, credentials); the region defaults to the config's.
 */

export interface InitOptions {
  readonly config: string;
  readonly force?: boolean | undefined;
  readonly prune?: boolean | undefined;
  readonly writer?: string | undefined;
  readonly json?: boolean | undefined;
}

/** Who applies: `apply:` and the caller's ARN from STS, else `apply:user@host`. */
async function defaultWriter(region: string): Promise<string> {
  return `apply:${await callerIdentity(region)}`;
}

/**
 * One history entry per group whose resources the apply added or changed, naming who applied:
 * a spec change is a change an operator made, like a request.
 */
async function recordApply(region: string, spec: ClusterSpec, result: ApplyResult, writer: string, now: number): Promise<void> {
  const byGroup = new Map<string, string[]>();
  for (const change of result.changes) {
    if (change.item.kind !== 'resource' || (change.change !== 'added' && change.change !== 'changed')) continue;
    const group = spec.resources.find((r) => r.id === change.item.id)?.group ?? change.item.id;
    byGroup.set(group, [...(byGroup.get(group) ?? []), changeLine(change)]);
  }
  if (byGroup.size === 0) return;
  const documents = dynamoDbDocumentClient(region);
  const statuses = await new DynamoStateStore(documents, spec.cluster).readStatuses();
  const history = new DynamoHistoryStore(documents, spec.cluster);
  await history.append(
    [...byGroup].map(([group, lines]) => ({
      at: now,
      group,
      kind: 'request' as const,
      epoch: statuses.get(group)?.epoch ?? 0,
      message: `spec applied by ${writer.replace(/^apply:/, '')}: ${lines.join('; ')}`,
      details: { by: writer.replace(/^apply:/, ''), apply: lines },
    })),
  );
}

function changeLine(change: ItemChange): string {
  const label = itemLabel(change.item);
  switch (change.change) {
    case 'added':
      return `+ ${label}${change.note ? ` (${change.note})` : ''}`;
    case 'changed': {
      const extras = [change.note, change.overwrote ? `overwrote an edit by ${change.overwrote}` : undefined].filter(Boolean);
      return `~ ${label}: ${change.fields.map(formatFieldChange).join(', ')}${extras.length > 0 ? ` (${extras.join('; ')})` : ''}`;
    }
    case 'removed':
      return change.pruned
        ? `- ${label} (deleted)`
        : `- ${label} (not in the config; kept: apply with --prune to delete it)`;
    case 'unchanged':
      return `= ${label}`;
  }
}

export function formatApplyResult(result: ApplyResult, configPath: string, plan = false): string {
  const lines: string[] = [];
  if (result.tablesCreated.length > 0) lines.push(`${plan ? 'would create' : 'created'} tables ${result.tablesCreated.join(', ')}`);
  for (const change of result.changes) lines.push(changeLine(change));
  const count = (kind: ItemChange['change']) => result.changes.filter((c) => c.change === kind).length;
  const removed = result.changes.filter((c) => c.change === 'removed');
  const deleted = removed.filter((c) => c.change === 'removed' && c.pruned).length;
  if (count('added') + count('changed') + deleted === 0) {
    lines.push(`= unchanged: cluster ${result.cluster} already matches ${configPath}${removed.length > 0 ? ` (${removed.length} stored resource(s) kept)` : ''}`);
  } else {
    lines.push(
      `${plan ? 'plan: applying' : 'applied'} ${configPath} to cluster ${result.cluster}${plan ? ' would make' : ''}: ${count('added')} added, ${count('changed')} changed, ${deleted} deleted, ${removed.length - deleted} kept`,
    );
  }
  for (const conflict of result.conflicts ?? []) {
    lines.push(`! ${conflict.item} was edited${conflict.lastWriter ? ` by ${conflict.lastWriter}` : ''} since the last apply: apply refuses to overwrite it without --force`);
  }
  return `${lines.join('\n')}\n`;
}

/** Whether the reconciler has something new to follow: a changed spec on tables that were already there. */
function worthWaking(result: ApplyResult): boolean {
  if (result.tablesCreated.length > 0) return false;
  return result.changes.some((change) => change.change === 'added' || change.change === 'changed' || (change.change === 'removed' && change.pruned));
}

/** `apply` (alias `init`). Exit codes (exit-codes.ts): 0 applied or nothing to do, 1 AWS trouble, 2 bad input, 3 someone else's edit or a concurrent apply. */
export async function runInit(options: InitOptions, io: CommandIo): Promise<number> {
  // The apply stores the document as written, not the resolved spec.
  const { spec, document } = readClusterConfigFile(options.config, 'apply');
  const region = regionFromEnvironment(spec.region);
  const client = dynamoDbClient(region);
  const wake = prepareWake(spec.cluster, region, io.stderr);
  const writer = options.writer ?? (await defaultWriter(region));
  const result = await applySpec(client, document, { force: options.force, prune: options.prune, writer });
  await recordApply(region, spec, result, writer, Date.now());
  if (worthWaking(result)) await wake('spec-applied');
  io.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatApplyResult(result, options.config));
  return 0;
}

/** `plan`: what `apply` would change, as a diff; changes nothing, creates no table. */
export async function runPlan(options: Omit<InitOptions, 'writer'>, io: CommandIo): Promise<number> {
  const { spec, document } = readClusterConfigFile(options.config, 'plan');
  const client = dynamoDbClient(regionFromEnvironment(spec.region));
  const result = await applySpec(client, document, { force: options.force, prune: options.prune, writer: 'plan', dryRun: true });
  io.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : formatApplyResult(result, options.config, true));
  return 0;
}
