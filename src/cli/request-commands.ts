import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { UsageError } from '../core/errors';
import type { OperatorRequest } from '../core/model';
import { loadClusterContext, type ClusterContext } from './cluster-context';
import { parseFlags } from '../process/flags';
import type { CliIo } from '../process/io';

/*
 * Operator requests are recorded in the state store and carried out by the reconcile loop,
 * never here: every change of owner goes through the same checks (target healthy, a member,
 * group not in maintenance) and the same conditional write.
 */

async function record(context: ClusterContext, group: string, request: OperatorRequest, io: CliIo): Promise<number> {
  if (!context.spec.groups.some((g) => g.id === group)) {
    throw new UsageError(`unknown group "${group}"; groups: ${context.spec.groups.map((g) => g.id).join(', ')}`);
  }
  const result = await context.state.requestOperatorAction(group, request);
  if (result.outcome === 'busy') {
    io.stderr.write(`EC2F-U002 group ${group} still has an unserved ${result.pending.kind} request (${result.pending.id}); wait for the reconciler to carry it out, then retry\n`);
    return 3;
  }
  io.stdout.write(`recorded ${request.kind} request ${request.id} for group ${group}; the reconciler carries it out on its next tick (see: ec2-failover history --group ${group})\n`);
  return 0;
}

function requestId(): string {
  let user = 'operator';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (a container, say): keep the generic name.
  }
  return `${user}-${randomUUID().slice(0, 8)}`;
}

/** `ec2-failover switchover --config FILE --group G --to NODE` */
export async function runSwitchover(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, { config: 'string', group: 'string', to: 'string' });
  if (!flags.group || !flags.to) throw new UsageError('switchover needs --group GROUP and --to NODE');
  const context = loadClusterContext(flags.config, 'switchover');
  const group = context.spec.groups.find((g) => g.id === flags.group);
  if (group && !group.nodesByPriority.includes(flags.to)) {
    throw new UsageError(`node "${flags.to}" is not a member of group "${flags.group}"; members: ${group.nodesByPriority.join(', ')}`);
  }
  return record(context, flags.group, { kind: 'switchover', to: flags.to, id: requestId(), requestedAt: Date.now() }, io);
}

/** `ec2-failover maintenance --config FILE --group G --on|--off` */
export async function runMaintenance(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, { config: 'string', group: 'string', on: 'boolean', off: 'boolean' });
  if (!flags.group || flags.on === flags.off) throw new UsageError('maintenance needs --group GROUP and exactly one of --on or --off');
  const context = loadClusterContext(flags.config, 'maintenance');
  return record(context, flags.group, { kind: 'maintenance', enabled: Boolean(flags.on), id: requestId(), requestedAt: Date.now() }, io);
}
