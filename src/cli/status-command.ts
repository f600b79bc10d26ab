import { loadClusterContext } from './cluster-context';
import { parseFlags } from '../process/flags';
import type { CliIo } from '../process/io';

/**
 * `ec2-failover status --config FILE [--json]`: owner, epoch and phase of each group, and each
 * node's last heartbeat. Heartbeat ages use the agent's own clock: informative only; the
 * control plane judges liveness by the sequence advancing, not by these times.
 */
export async function runStatus(argv: readonly string[], io: CliIo, now: () => number = Date.now): Promise<number> {
  const flags = parseFlags(argv, { config: 'string', json: 'boolean' });
  const context = loadClusterContext(flags.config, 'status');
  const [statuses, { beats: heartbeats }] = await Promise.all([context.state.readStatuses(), context.heartbeats.readHeartbeats()]);
  const at = now();
  const groups = context.spec.groups.map((group) => {
    const status = statuses.get(group.id);
    return {
      group: group.id,
      owner: status?.owner ?? null,
      epoch: status?.epoch ?? 0,
      phase: status?.phase ?? 'no status yet',
      maintenance: status?.maintenance ?? false,
      excluded: status?.excluded ?? [],
      pendingRequest: status?.request,
      lastTransition: status?.lastTransition,
      resources: group.resourceIds,
    };
  });
  const nodes = context.spec.nodes.map((node) => {
    const beat = heartbeats.find((h) => h.instanceId === node.instanceId);
    return {
      node: node.id,
      instanceId: node.instanceId,
      seq: beat?.seq,
      ageSeconds: beat ? Math.max(0, (at - beat.sentAt) / 1000) : undefined,
      leaving: beat?.leaving ?? false,
      failingChecks: beat?.checks.filter((c) => !c.ok).map((c) => c.name) ?? [],
    };
  });
  if (flags.json) {
    io.stdout.write(`${JSON.stringify({ cluster: context.spec.cluster, groups, nodes }, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(`cluster ${context.spec.cluster} (${context.region})\n\ngroups\n`);
  for (const g of groups) {
    const extra = [
      g.maintenance ? 'MAINTENANCE' : '',
      g.excluded.length > 0 ? `excluded: ${g.excluded.join(',')}` : '',
      g.pendingRequest ? `pending ${g.pendingRequest.kind}` : '',
      g.lastTransition ? `last: ${g.lastTransition.reason} ${g.lastTransition.from ?? '-'}→${g.lastTransition.to} at ${new Date(g.lastTransition.at).toISOString()}` : '',
    ].filter(Boolean);
    io.stdout.write(`  ${g.group.padEnd(16)} owner ${String(g.owner ?? '-').padEnd(10)} epoch ${String(g.epoch).padEnd(4)} ${g.phase.padEnd(13)} ${extra.join('  ')}\n`);
  }
  io.stdout.write('\nnodes\n');
  for (const n of nodes) {
    const beat = n.seq === undefined ? 'no heartbeat' : `seq ${n.seq}, ${n.ageSeconds!.toFixed(1)}s ago`;
    const flagsText = [n.leaving ? 'LEAVING' : '', n.failingChecks.length > 0 ? `failing: ${n.failingChecks.join(',')}` : ''].filter(Boolean).join('  ');
    io.stdout.write(`  ${n.node.padEnd(16)} ${n.instanceId.padEnd(21)} ${beat}  ${flagsText}\n`);
  }
  return 0;
}
