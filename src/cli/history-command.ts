import type { StoredHistoryEntry } from '../aws/dynamodb/history-store';
import type { CommandIo } from './cli-io';
import { groupNamed, readClusterConfig } from './cluster-config';
import { seconds, stylesFor, table } from './output';

/*
 * `ec2-failover history --config FILE [--group G] [--limit N] [--json]`: transitions, repairs and
 * operator requests, newest first, each with who (the operator who asked, else the reconciler),
 * why (the entry's message) and how long (a transition until its group was steady again; a
 * request until the reconciler served it).
 */

export interface HistoryOptions {
  readonly config: string;
  readonly group?: string | undefined;
  readonly limit?: number | undefined;
  readonly json?: boolean | undefined;
}

export interface HistoryLine extends StoredHistoryEntry {
  readonly by: string;
  readonly tookMs?: number | undefined;
}

function requestIdOf(entry: StoredHistoryEntry): string | undefined {
  const id = entry.details?.requestId;
  if (typeof id === 'string') return id;
  const match = entry.kind === 'transition' ? /requested by operator \(([^)]+)\)/.exec(entry.message) : null;
  return match?.[1];
}

/** Adds who and how long to entries (oldest first in, newest first out). */
export function explainHistory(entries: readonly StoredHistoryEntry[]): HistoryLine[] {
  const askedBy = new Map<string, StoredHistoryEntry>();
  for (const e of entries) {
    const id = requestIdOf(e);
    if (id !== undefined && typeof e.details?.by === 'string') askedBy.set(id, e);
  }
  const lines = entries.map((entry, index): HistoryLine => {
    const id = requestIdOf(entry);
    const asked = id === undefined ? undefined : askedBy.get(id);
    if (asked === entry) {
      const answer = entries.slice(index + 1).find((e) => requestIdOf(e) === id && e !== entry);
      return { ...entry, by: String(entry.details?.by), tookMs: answer ? answer.at - entry.at : undefined };
    }
    // Edits by the resource commands carry their author; everything else is the reconciler's.
    if (typeof entry.details?.by === 'string') return { ...entry, by: entry.details.by };
    const by = asked ? `reconciler, for ${String(asked.details?.by)}` : 'reconciler';
    if (entry.kind === 'transition') {
      const steady = entries.slice(index + 1).find((e) => e.kind === 'phase' && e.group === entry.group && e.epoch === entry.epoch);
      return { ...entry, by, tookMs: steady ? steady.at - entry.at : undefined };
    }
    return { ...entry, by };
  });
  return lines.reverse();
}

export async function runHistory(options: HistoryOptions, io: CommandIo): Promise<number> {
  const spec = readClusterConfig(options.config, 'history');
  if (options.group !== undefined) groupNamed(spec, options.group);
  const { clusterContextFor } = await import('./cluster-context');
  const context = clusterContextFor(spec);
  const entries = await context.state.readHistory({ group: options.group, limit: options.limit ?? 50 });
  const lines = explainHistory(entries);
  if (options.json) {
    io.stdout.write(`${JSON.stringify(lines, null, 2)}\n`);
    return 0;
  }
  if (lines.length === 0) {
    io.stdout.write('no history yet\n');
    return 0;
  }
  const styles = stylesFor(io.stdout);
  const rows = lines.map((e) => [
    new Date(e.at).toISOString(),
    e.group,
    `epoch ${e.epoch}`,
    e.kind === 'transition' ? styles.bold(e.kind) : e.kind,
    e.message,
    `by ${e.by}`,
    e.tookMs === undefined ? '' : `took ${seconds(e.tookMs)}`,
  ]);
  io.stdout.write(table(styles, ['TIME', 'GROUP', 'EPOCH', 'KIND', 'WHY', 'WHO', 'HOW LONG'], rows, ''));
  return 0;
}
