import { readFileSync } from 'node:fs';
import { createStoredResource, deleteStoredResource, editStoredResource, editStoredResources, type ResourcesEditResult } from '../apply/spec-edit';
import { formatFieldChange } from '../apply/spec-diff';
import type { ResourceItem } from '../aws/dynamodb/state-items';
import { scanResourcesTable } from '../aws/dynamodb/state-scan';
import { parseYamlDocument } from '../core/config-text';
import { ConfigError, UsageError } from '../core/errors';
import type { ClusterSpec, HistoryEntry } from '../core/model';
import { callerIdentity } from './caller-identity';
import { RequestRefusedError } from './cli-errors';
import type { CommandIo } from './cli-io';
import { readClusterConfig } from './cluster-config';
import { clusterContextFor, type ClusterContext } from './cluster-context';
import { applySettings, explainProblems, parseSettings } from './resource-set';
import { prepareWake, type WakeReconciler } from './wake-reconciler';

/*
 * `ec2-failover resource show|create|extend|unextend|set|delete`: the seed's wizards as commands.
 * Each changes the live spec through src/apply/spec-edit.ts, validated with the whole cluster
 * exactly as the config file is, conditional on what it read, and leaves `appliedHash` so the
 * next `apply` notices the edit (export it into the file first). Each is recorded in the
 * history with who made it, and wakes the reconciler. Ownership is never touched here: the
 * reconciler follows the spec.
 */

type Spec = ResourceItem['spec'];
type Member = { node: string; eni: string; priority: number; privateIp?: string };

export interface ResourceOptions {
  readonly config: string;
  readonly args: readonly string[];
  readonly json?: boolean | undefined;
  readonly node?: string | undefined;
  readonly eni?: string | undefined;
  readonly priority?: number | undefined;
  readonly privateIp?: string | undefined;
  readonly file?: string | undefined;
  readonly mode?: 'route' | 'eip' | undefined;
  readonly group?: string | undefined;
  readonly vpcId?: string | undefined;
  readonly vpcCidr?: string | undefined;
  readonly destination?: string | undefined;
  readonly routeTables?: string | undefined;
  readonly allocationId?: string | undefined;
  readonly member?: readonly string[] | undefined;
}

interface Edit {
  readonly context: ClusterContext;
  readonly who: string;
  /** Once the edit is written: the reconciler follows the spec. */
  readonly wake: WakeReconciler;
}

async function open(options: ResourceOptions, io: CommandIo, command: string): Promise<Edit> {
  const spec: ClusterSpec = readClusterConfig(options.config, `resource ${command}`);
  const context = clusterContextFor(spec);
  const wake = prepareWake(spec.cluster, context.region, io.stderr);
  return { context, who: await callerIdentity(context.region), wake };
}

async function record(edit: Edit, group: string, resource: string, message: string, details: Record<string, unknown>): Promise<void> {
  const epoch = (await edit.context.state.readStatuses()).get(group)?.epoch ?? 0;
  const entry: HistoryEntry = { at: Date.now(), group, kind: 'request', epoch, resource, message: `${message} by ${edit.who}`, details: { ...details, by: edit.who, resource } };
  await edit.context.history.append([entry]);
}

async function change(
  options: ResourceOptions,
  io: CommandIo,
  command: string,
  describe: string,
  transform: (spec: Spec) => Spec,
  guard?: (edit: Edit, resource: string) => Promise<void>,
): Promise<number> {
  const resource = options.args[0]!;
  const edit = await open(options, io, command);
  await guard?.(edit, resource);
  const result = await editStoredResource(edit.context.documents, edit.context.spec.cluster, resource, transform, `cli:${edit.who}`);
  if (result.fields.length === 0) {
    io.stdout.write(`= resource ${resource}: nothing to change\n`);
    return 0;
  }
  const fields = result.fields.map(formatFieldChange);
  const group = (await scanResourcesTable(edit.context.documents, edit.context.spec.cluster)).resources.find((r) => r.resourceId === resource)?.group ?? resource;
  await record(edit, group, resource, `resource ${resource}: ${describe}`, { edit: command, fields });
  await edit.wake(`resource-${command}`);
  io.stdout.write(`~ resource ${resource}: ${fields.join(', ')}\n`);
  return 0;
}

function members(spec: Spec): Member[] {
  return [...((spec.members as Member[] | undefined) ?? [])];
}

export async function runResourceShow(options: ResourceOptions, io: CommandIo): Promise<number> {
  const resource = options.args[0]!;
  const spec = readClusterConfig(options.config, 'resource show');
  const context = clusterContextFor(spec);
  const [stored, statuses] = await Promise.all([scanResourcesTable(context.documents, spec.cluster), context.state.readStatuses()]);
  const item = stored.resources.find((r) => r.resourceId === resource);
  if (!item) throw new UsageError(`cluster "${spec.cluster}" has no resource "${resource}"; resources: ${stored.resources.map((r) => r.resourceId).join(', ')}`);
  const status = statuses.get(item.group);
  const shown = {
    resource,
    group: item.group,
    owner: status?.owner ?? null,
    epoch: status?.epoch ?? 0,
    editedSinceApply: item.appliedHash !== item.specHash,
    lastWriter: item.lastWriter,
    updatedAt: item.updatedAt,
    spec: item.spec,
  };
  if (options.json) {
    io.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    return 0;
  }
  const lines = [
    `resource ${resource} (group ${item.group}, owner ${shown.owner ?? '-'}, epoch ${shown.epoch})`,
    `  last written by ${item.lastWriter ?? '?'}${item.updatedAt ? ` at ${new Date(item.updatedAt).toISOString()}` : ''}${shown.editedSinceApply ? ' (edited since the last apply)' : ''}`,
    ...Object.entries(item.spec)
      .filter(([key]) => key !== 'members')
      .map(([key, value]) => `  ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`),
    '  members:',
    ...members(item.spec).map((m) => `    ${m.node}  ${m.eni}  priority ${m.priority}${m.privateIp ? `  ${m.privateIp}` : ''}${m.node === shown.owner ? '  (owner)' : ''}`),
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

export async function runResourceExtend(options: ResourceOptions, io: CommandIo): Promise<number> {
  const member: Member = { node: options.node!, eni: options.eni!, priority: options.priority! };
  if (options.privateIp !== undefined) member.privateIp = options.privateIp;
  return change(options, io, 'extend', `extended to ${member.node} (${member.eni}, priority ${member.priority})`, (spec) => {
    if (members(spec).some((m) => m.node === member.node)) throw new UsageError(`resource "${spec.id}" already has node "${member.node}"; use resource set to change it`);
    return { ...spec, members: [...members(spec), member] };
  });
}

export async function runResourceUnextend(options: ResourceOptions, io: CommandIo): Promise<number> {
  const node = options.node!;
  return change(
    options,
    io,
    'unextend',
    `unextended from ${node}`,
    (spec) => {
      if (!members(spec).some((m) => m.node === node)) throw new UsageError(`resource "${spec.id}" has no member "${node}"`);
      return { ...spec, members: members(spec).filter((m) => m.node !== node) };
    },
    async (edit, resource) => {
      const stored = await scanResourcesTable(edit.context.documents, edit.context.spec.cluster);
      const item = stored.resources.find((r) => r.resourceId === resource);
      if (item && item.owner === node) {
        throw new RequestRefusedError(`"${node}" owns group "${item.group}" of resource "${resource}"; switch the group over to another member first (ec2-failover switchover --group ${item.group} --to NODE)`);
      }
    },
  );
}

export interface SetOptions extends ResourceOptions {
  readonly dryRun?: boolean | undefined;
  readonly wholeGroup?: boolean | undefined;
}

/** The resources a set edits: the one named, or with --whole-group every resource of its group. */
async function resourcesToSet(edit: Edit, resource: string, wholeGroup: boolean): Promise<ResourceItem[]> {
  const stored = (await scanResourcesTable(edit.context.documents, edit.context.spec.cluster)).resources;
  const item = stored.find((r) => r.resourceId === resource);
  if (!item) throw new UsageError(`cluster "${edit.context.spec.cluster}" has no resource "${resource}"; resources: ${stored.map((r) => r.resourceId).join(', ')}`);
  return wholeGroup ? stored.filter((r) => r.group === item.group) : [item];
}

function formatSetResult(changes: ResourcesEditResult['changes'], dryRun: boolean): string {
  const lines = changes.map(({ resourceId, fields }) =>
    fields.length === 0 ? `= resource ${resourceId}: nothing to change` : `~ resource ${resourceId}: ${fields.map(formatFieldChange).join(', ')}`,
  );
  if (dryRun) lines.push('dry run: nothing written');
  return `${lines.join('\n')}\n`;
}

/** `resource set RESOURCE key=value …`: see resource-set.ts for the keys. */
export async function runResourceSet(options: SetOptions, io: CommandIo): Promise<number> {
  const [resource, ...texts] = options.args as [string, ...string[]];
  const settings = parseSettings(texts);
  const edit = await open(options, io, 'set');
  const items = await resourcesToSet(edit, resource, options.wholeGroup === true);
  const group = items[0]!.group;
  let result: ResourcesEditResult;
  try {
    const transform = (spec: Spec) => applySettings(spec, settings);
    result = await editStoredResources(edit.context.documents, edit.context.spec.cluster, items.map((i) => i.resourceId), transform, `cli:${edit.who}`, { dryRun: options.dryRun });
  } catch (error) {
    if (error instanceof ConfigError) throw explainProblems(error, items.map((i) => i.spec), settings, group);
    throw error;
  }
  const changed = result.changes.filter((c) => c.fields.length > 0);
  if (!options.dryRun) {
    for (const { resourceId, fields } of changed) {
      await record(edit, group, resourceId, `resource ${resourceId}: set ${texts.join(' ')}`, { edit: 'set', settings: texts, fields: fields.map(formatFieldChange) });
    }
    if (changed.length > 0) await edit.wake('resource-set');
  }
  if (options.json) {
    const shown = { group, by: edit.who, dryRun: options.dryRun === true, changed: changed.length > 0, resources: result.changes.map((c) => ({ resource: c.resourceId, fields: c.fields })) };
    io.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
  } else io.stdout.write(formatSetResult(result.changes, options.dryRun === true));
  return 0;
}

function parseMember(text: string): Member {
  const match = /^([^=]+)=(eni-[0-9a-f]+):(\d+)(?::(.+))?$/.exec(text);
  if (!match) throw new UsageError(`--member expects NODE=ENI:PRIORITY[:PRIVATE_IP], got "${text}"`);
  return { node: match[1]!, eni: match[2]!, priority: Number(match[3]), ...(match[4] ? { privateIp: match[4] } : {}) };
}

function resourceFromFlags(options: ResourceOptions, id: string): Spec {
  if (options.mode === undefined) throw new UsageError('resource create needs --file FRAGMENT or --mode route|eip');
  const common = { id, ...(options.group ? { group: options.group } : {}), mode: options.mode, members: (options.member ?? []).map(parseMember) };
  if (options.mode === 'route') {
    const routeTables = options.routeTables === undefined || options.routeTables === 'all' ? 'all' : options.routeTables.split(',');
    return { ...common, vpcId: options.vpcId, destination: options.destination, ...(options.vpcCidr ? { vpcCidr: options.vpcCidr } : {}), routeTables } as Spec;
  }
  return { ...common, allocationId: options.allocationId } as Spec;
}

export async function runResourceCreate(options: ResourceOptions, io: CommandIo): Promise<number> {
  const id = options.args[0];
  let spec: Spec;
  if (options.file !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${options.file}: ${(error as Error).message}`);
    }
    spec = parseYamlDocument(text, options.file, 'EC2F-C001') as Spec;
    if (id !== undefined && spec?.id !== id) throw new UsageError(`the fragment's id is "${String(spec?.id)}", not "${id}"`);
  } else {
    if (id === undefined) throw new UsageError('resource create needs a RESOURCE id (or --file FRAGMENT)');
    spec = resourceFromFlags(options, id);
  }
  const edit = await open(options, io, 'create');
  const { group } = await createStoredResource(edit.context.documents, edit.context.spec.cluster, spec, `cli:${edit.who}`);
  await record(edit, group, spec.id, `resource ${spec.id}: created`, { edit: 'create' });
  await edit.wake('resource-create');
  io.stdout.write(`+ resource ${spec.id} (group ${group})\n`);
  return 0;
}

export async function runResourceDelete(options: ResourceOptions, io: CommandIo): Promise<number> {
  const resource = options.args[0]!;
  const edit = await open(options, io, 'delete');
  const item = await deleteStoredResource(edit.context.documents, edit.context.spec.cluster, resource);
  await record(edit, item.group, resource, `resource ${resource}: deleted (its routes and Elastic IP are no longer managed)`, { edit: 'delete' });
  await edit.wake('resource-delete');
  io.stdout.write(`- resource ${resource} (deleted; its routes and Elastic IP stay where they are, unmanaged)\n`);
  return 0;
}
