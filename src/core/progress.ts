import type { ActionOutcome, Finding, GroupStatus, HistoryEntry } from './model';
import type { GroupPlan } from './plan';

/*
 * How a group's status follows from what its actions did: terminal repair failures count
 * towards failing over, a success resets the count, and a failover is complete (phase
 * `steady`) once an observation shows nothing left to change. An authorization refusal is the
 * control plane's own fault: it never counts against the owner, it is reported and retried.
 */

export interface ProgressUpdate {
  readonly next?: GroupStatus | undefined;
  readonly history: readonly HistoryEntry[];
  readonly findings: readonly Finding[];
}

/** A stop was accepted, or the instance no longer exists: either way it cannot serve. */
export function isFencedOff(outcome: ActionOutcome): boolean {
  return outcome.result === 'ok' || (outcome.result === 'terminal' && outcome.cause === 'instance-gone');
}

/** A refusal that says something about the owner's resources, not about our permissions. */
function countsAgainstOwner(outcome: ActionOutcome): boolean {
  return outcome.result === 'terminal' && outcome.cause !== 'unauthorized';
}

export function recordProgress(status: GroupStatus, plan: GroupPlan, outcomes: readonly ActionOutcome[], now: number): ProgressUpdate {
  const history: HistoryEntry[] = [];
  let repairFailures = status.repairFailures;
  let phase = status.phase;
  let fenceNode = status.fenceNode;

  // Once a stop has been accepted the node is fenced; stopping it again (after an operator
  // restarts it, say) would only fight them.
  if (outcomes.some((o) => o.action.kind === 'stop-instance' && isFencedOff(o))) fenceNode = undefined;

  const traffic = outcomes.filter((o) => o.action.kind !== 'stop-instance');
  if (traffic.some(countsAgainstOwner)) repairFailures += 1;
  else if (traffic.length > 0 && traffic.every((o) => o.result === 'ok')) repairFailures = 0;
  const findings: Finding[] = outcomes
    .filter((o) => o.result === 'terminal' && o.cause === 'unauthorized')
    .map((o) => ({
      code: 'EC2F-R010',
      severity: 'error' as const,
      group: status.group,
      resource: 'resource' in o.action ? o.action.resource : undefined,
      message: `${o.action.kind} refused for lack of permission, retried every tick and never held against a node: ${o.result === 'terminal' ? o.error : ''}`,
    }));

  for (const outcome of outcomes) {
    if (outcome.result === 'unknown') continue; // logged by the runner; it is retried next tick, not history
    const a = outcome.action;
    const target =
      a.kind === 'replace-route'
        ? `${a.routeTableId} ${a.destination} → ${a.networkInterfaceId}`
        : a.kind === 'associate-address'
          ? `${a.allocationId} → ${a.networkInterfaceId}${a.privateIp ? ` (${a.privateIp})` : ''}`
          : `stop ${a.instanceId} (${a.node})`;
    history.push({
      at: now,
      group: status.group,
      kind: 'repair',
      epoch: status.epoch,
      resource: 'resource' in a ? a.resource : undefined,
      message:
        outcome.result === 'ok'
          ? `${a.reason}: ${target}`
          : `${a.reason}: ${target} failed: ${outcome.code} ${outcome.error}`,
      details: { action: a.kind, reason: a.reason, result: outcome.result, elapsedMs: outcome.elapsedMs },
    });
  }

  if (plan.converged && phase === 'failing-over') {
    phase = 'steady';
    fenceNode = undefined;
    const since = status.lastTransition ? ` in ${((now - status.lastTransition.at) / 1000).toFixed(1)}s` : '';
    history.push({
      at: now,
      group: status.group,
      kind: 'phase',
      epoch: status.epoch,
      message: `every route and Elastic IP of the group is on ${status.owner}${since}`,
    });
  }

  const changed = repairFailures !== status.repairFailures || phase !== status.phase || fenceNode !== status.fenceNode;
  return {
    next: changed ? { ...status, repairFailures, phase, fenceNode, version: status.version + 1 } : undefined,
    history,
    findings,
  };
}
