import type {
  Finding,
  GroupSpec,
  GroupStatus,
  HistoryEntry,
  NodeHealth,
  NodeId,
  Transition,
  TransitionReason,
  Tunables,
} from './model';

/*
 * Who owns a group next. Keeps a healthy owner; fails over to the best-priority healthy node
 * when the owner has failed or its local recovery keeps failing terminally; switches back
 * automatically only after the better node has been healthy for the dwell time; carries out
 * operator requests. Unknown health never moves ownership.
 */

export interface OwnershipInput {
  readonly group: GroupSpec;
  readonly status: GroupStatus;
  readonly health: ReadonlyMap<NodeId, NodeHealth>;
  readonly tunables: Tunables;
  readonly now: number;
  /** Members that cannot take the group's traffic (ENI gone or detached, permission refused): never chosen. */
  readonly ineligible?: ReadonlyMap<NodeId, string> | undefined;
}

export interface OwnershipDecision {
  /** The status to write (version + 1), or undefined when nothing changes. */
  readonly next?: GroupStatus | undefined;
  readonly transition?: Transition | undefined;
  readonly history: readonly HistoryEntry[];
  readonly findings: readonly Finding[];
}

const NO_CHANGE: OwnershipDecision = { history: [], findings: [] };

function bestHealthy(input: OwnershipInput, excluded: readonly NodeId[], not?: NodeId | null): NodeId | undefined {
  return input.group.nodesByPriority.find(
    (node) => node !== not && !excluded.includes(node) && !input.ineligible?.has(node) && input.health.get(node)?.state === 'healthy',
  );
}

function moveTo(
  input: OwnershipInput,
  status: GroupStatus,
  to: NodeId,
  reason: TransitionReason,
  detail: string,
  extra: Partial<GroupStatus> = {},
): OwnershipDecision {
  const epoch = status.epoch + 1;
  const fromSilent = status.owner !== null && input.health.get(status.owner)?.silent === true ? true : undefined;
  const transition: Transition = { at: input.now, from: status.owner, to, reason, epoch, detail, fromSilent };
  const fenceNode =
    input.group.fencing === 'stop' && status.owner !== null && (reason === 'failover' || reason === 'repair-failed')
      ? status.owner
      : undefined;
  const next: GroupStatus = {
    ...status,
    ...extra,
    owner: to,
    epoch,
    phase: 'failing-over',
    version: status.version + 1,
    repairFailures: 0,
    fenceNode,
    request: undefined,
    lastTransition: transition,
  };
  return {
    next,
    transition,
    history: [
      {
        at: input.now,
        group: input.group.id,
        kind: 'transition',
        epoch,
        message: `${reason}: ${status.owner ?? '(none)'} → ${to}: ${detail}`,
        details: { from: status.owner, to, reason, fenceNode },
      },
    ],
    findings: [],
  };
}

function noHealthyNode(input: OwnershipInput, why: string): OwnershipDecision {
  const states = input.group.nodesByPriority
    .map((n) => `${n}=${input.health.get(n)?.state ?? 'unknown'}`)
    .join(', ');
  return {
    history: [],
    findings: [
      {
        code: 'EC2F-R001',
        severity: 'error',
        group: input.group.id,
        message: `${why}, and no other member is healthy and eligible (${states}); keeping what is there`,
      },
    ],
  };
}

function handleRequest(input: OwnershipInput): OwnershipDecision | undefined {
  const { status, group, now } = input;
  const request = status.request;
  if (!request) return undefined;
  const cleared: GroupStatus = { ...status, request: undefined, version: status.version + 1 };
  const entry = (message: string, details: Record<string, unknown>): HistoryEntry => ({
    at: now,
    group: group.id,
    kind: request.kind === 'maintenance' ? 'maintenance' : 'request',
    epoch: status.epoch,
    message,
    details: { requestId: request.id, ...details },
  });
  const reject = (why: string): OwnershipDecision => ({
    next: cleared,
    history: [entry(`switchover to ${request.kind === 'switchover' ? request.to : '?'} refused: ${why}`, { refused: true })],
    findings: [{ code: 'EC2F-R002', severity: 'warning', group: group.id, message: `switchover refused: ${why}` }],
  });

  if (request.kind === 'maintenance') {
    return {
      next: { ...cleared, maintenance: request.enabled },
      history: [entry(`maintenance ${request.enabled ? 'entered: observe only' : 'left: managing again'}`, { enabled: request.enabled })],
      findings: [],
    };
  }
  if (status.maintenance) return reject('the group is in maintenance; leave maintenance first');
  if (!group.nodesByPriority.includes(request.to)) return reject(`"${request.to}" is not a member of group "${group.id}"`);
  if (status.owner === request.to) {
    return { next: { ...cleared, excluded: status.excluded.filter((n) => n !== request.to) }, history: [entry(`switchover to ${request.to}: already the owner`, {})], findings: [] };
  }
  const broken = input.ineligible?.get(request.to);
  if (broken !== undefined) return reject(`"${request.to}" cannot take traffic: ${broken}`);
  const health = input.health.get(request.to);
  if (health?.state !== 'healthy') return reject(`"${request.to}" is ${health?.state ?? 'unknown'} (${health?.reason ?? 'no heartbeat seen'})`);
  // An operator choosing a node vouches for it: clear its exclusion.
  return moveTo(input, status, request.to, 'switchover', `requested by operator (${request.id})`, {
    excluded: status.excluded.filter((n) => n !== request.to),
  });
}

export function decideOwnership(input: OwnershipInput): OwnershipDecision {
  const requested = handleRequest(input);
  if (requested) return requested;

  const { status, group, now } = input;
  if (status.maintenance) return NO_CHANGE;

  if (status.owner === null) {
    // The first owner is the best-priority member, not the first one seen: wait while a better
    // member is still unjudged (at most one missed-beat window).
    const judged = (n: NodeId) => (input.health.get(n)?.state ?? 'unknown') !== 'unknown';
    const first = bestHealthy(input, status.excluded);
    const betterUnjudged = group.nodesByPriority
      .slice(0, first === undefined ? undefined : group.nodesByPriority.indexOf(first))
      .some((n) => !status.excluded.includes(n) && !judged(n));
    if (betterUnjudged) return NO_CHANGE;
    if (!first) return noHealthyNode(input, `group "${group.id}" has no owner yet`);
    return moveTo(input, status, first, 'initial', `best-priority healthy member`);
  }

  const owner = status.owner;
  const ownerHealth = input.health.get(owner);
  if (!group.nodesByPriority.includes(owner) || ownerHealth?.state === 'failed') {
    const why = group.nodesByPriority.includes(owner)
      ? `owner ${owner} failed: ${ownerHealth?.reason ?? ''}`
      : `owner ${owner} is no longer a member`;
    const next = bestHealthy(input, status.excluded, owner);
    return next ? moveTo(input, status, next, 'failover', why) : noHealthyNode(input, why);
  }

  if (ownerHealth?.state !== 'healthy') return NO_CHANGE;

  if (status.repairFailures >= input.tunables.maxRetry) {
    const excluded = status.excluded.includes(owner) ? status.excluded : [...status.excluded, owner];
    const why = `local recovery on ${owner} failed ${status.repairFailures} times with a terminal error`;
    const next = bestHealthy(input, excluded, owner);
    return next ? moveTo(input, status, next, 'repair-failed', why, { excluded }) : noHealthyNode(input, why);
  }

  if (group.switchback === 'automatic') {
    const best = bestHealthy(input, status.excluded);
    const bestRank = best === undefined ? -1 : group.nodesByPriority.indexOf(best);
    if (best !== undefined && bestRank < group.nodesByPriority.indexOf(owner)) {
      const since = input.health.get(best)?.healthySince ?? now;
      const stableMs = now - since;
      if (stableMs >= group.switchbackDwellSeconds * 1000) {
        return moveTo(input, status, best, 'switchback', `${best} has been healthy for ${(stableMs / 1000).toFixed(1)}s`);
      }
    }
  }
  return NO_CHANGE;
}
