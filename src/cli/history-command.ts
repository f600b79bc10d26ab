import { UsageError } from '../core/errors';
import { loadClusterContext } from './cluster-context';
import { parseFlags } from '../process/flags';
import type { CliIo } from '../process/io';

/** `ec2-failover history --config FILE [--group G] [--limit N] [--json]`: transitions, repairs and operator actions, oldest first. */
export async function runHistory(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, { config: 'string', group: 'string', limit: 'string', json: 'boolean' });
  const limit = flags.limit === undefined ? 50 : Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError(`--limit must be a whole number from 1 to 1000, not "${flags.limit}"`);
  const context = loadClusterContext(flags.config, 'history');
  if (flags.group !== undefined && !context.spec.groups.some((g) => g.id === flags.group)) {
    throw new UsageError(`unknown group "${flags.group}"; groups: ${context.spec.groups.map((g) => g.id).join(', ')}`);
  }
  const entries = await context.state.readHistory({ group: flags.group, limit });
  if (flags.json) {
    io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  for (const e of entries) {
    io.stdout.write(`${new Date(e.at).toISOString()}  ${e.group.padEnd(14)} epoch ${String(e.epoch).padEnd(4)} ${e.kind.padEnd(11)} ${e.message}\n`);
  }
  if (entries.length === 0) io.stdout.write('no history yet\n');
  return 0;
}
