import { readClusterConfig } from './cluster-context';
import type { CliIo } from '../process/io';
import { parseFlags } from '../process/flags';

/** `ec2-failover validate --config FILE`: checks a config offline and summarises what it protects. */
export async function runValidate(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, { config: 'string' });
  const path = flags.config;
  const spec = readClusterConfig(path, 'validate');
  io.stdout.write(`${path}: valid; cluster ${spec.cluster} in ${spec.region}\n`);
  for (const group of spec.groups) {
    io.stdout.write(
      `  group ${group.id} (${group.switchback} switchback, fencing ${group.fencing}): ${group.nodesByPriority.join(' > ')}; resources ${group.resourceIds.join(', ')}\n`,
    );
  }
  return 0;
}
