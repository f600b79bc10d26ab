import type { CommandIo } from './cli-io';
import { readClusterConfig } from './cluster-config';

export interface ValidateOptions {
  readonly config: string;
  readonly json?: boolean | undefined;
  /** Also check the config against the account (validate-live.ts). */
  readonly live?: boolean | undefined;
}

/** `ec2-failover validate --config FILE [--live] [--json]`: checks a config offline (and with --live against the account) and summarises what it protects. */
export async function runValidate(options: ValidateOptions, io: CommandIo): Promise<number> {
  const path = options.config;
  const spec = readClusterConfig(path, 'validate');
  if (options.live) return (await import('./validate-live')).runValidateLive(spec, io, options.json === true);
  const groups = spec.groups.map((group) => ({
    group: group.id,
    switchback: group.switchback,
    fencing: group.fencing,
    nodesByPriority: group.nodesByPriority,
    resources: group.resourceIds,
  }));
  if (options.json) {
    io.stdout.write(`${JSON.stringify({ path, valid: true, cluster: spec.cluster, region: spec.region, groups }, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(`${path}: valid; cluster ${spec.cluster} in ${spec.region}\n`);
  for (const group of groups) {
    io.stdout.write(
      `  group ${group.group} (${group.switchback} switchback, fencing ${group.fencing}): ${group.nodesByPriority.join(' > ')}; resources ${group.resources.join(', ')}\n`,
    );
  }
  return 0;
}

/** `ec2-failover schema`: the JSON Schema of the cluster config, for editors. */
export async function runSchema(io: CommandIo): Promise<number> {
  const { clusterConfigJsonSchema } = await import('../core/config');
  io.stdout.write(`${JSON.stringify(clusterConfigJsonSchema(), null, 2)}\n`);
  return 0;
}
