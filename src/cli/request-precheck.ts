import { UsageError } from '../core/errors';
import type { ClusterSpec, GroupSpec, GroupStatus, NodeId } from '../core/model';
import { RequestRefusedError } from './cli-errors';
import type { VerdictReading } from './verdicts';

/*
 * What the reconciler would refuse, refused before anything is recorded, with its reason: the
 * same rules as src/core/ownership.ts (a member, healthy, group not in maintenance), judged on
 * the reconciler's own last verdict. Without a fresh verdict the CLI judges nothing itself:
 * the request is recorded and the reconciler decides.
 *
 * One refusal is the CLI's own: a member excluded after repeated terminal repair failures. The
 * reconciler carries out an operator switchover to it (and clears the exclusion: naming a member
 * vouches for it); the CLI asks the operator to vouch explicitly with --clear-exclusion.
 */

export type SwitchoverCheck =
  | { readonly outcome: 'record'; readonly warning?: string | undefined }
  /** The node already owns the group: nothing to ask. */
  | { readonly outcome: 'already-owner' };

export interface SwitchoverInput {
  readonly spec: ClusterSpec;
  readonly group: GroupSpec;
  readonly status: GroupStatus | undefined;
  readonly to: NodeId;
  readonly verdicts: VerdictReading;
  /** The operator vouches for a member excluded after repeated terminal repair failures. */
  readonly clearExclusion: boolean;
}

/** Bad input, known from the config alone: an unknown node, or a node that is not a member. */
export function checkMembership(spec: ClusterSpec, group: GroupSpec, to: NodeId): void {
  if (!spec.nodes.some((n) => n.id === to)) {
    throw new UsageError(`unknown node "${to}"; nodes: ${spec.nodes.map((n) => n.id).join(', ')}`);
  }
  if (!group.nodesByPriority.includes(to)) {
    throw new UsageError(`node "${to}" is not a member of group "${group.id}"; members: ${group.nodesByPriority.join(', ')}`);
  }
}

/** Throws a usage error (unknown node, not a member) or a refusal (EC2F-U003). */
export function checkSwitchover(input: SwitchoverInput): SwitchoverCheck {
  const { spec, group, status, to } = input;
  checkMembership(spec, group, to);
  if (status?.maintenance) {
    throw new RequestRefusedError(`group "${group.id}" is in maintenance: the reconciler refuses switchovers there; leave it first (ec2-failover maintenance --group ${group.id} --off)`);
  }
  if (status?.owner === to && !status.excluded.includes(to)) return { outcome: 'already-owner' };
  if (status?.excluded.includes(to) && !input.clearExclusion) {
    throw new RequestRefusedError(
      `"${to}" is excluded from group "${group.id}" after repeated terminal repair failures; fix its ENI, then pass --clear-exclusion to vouch for it`,
    );
  }
  const reading = input.verdicts;
  if (reading.kind !== 'fresh') {
    const why = reading.kind === 'none' ? 'no verdict is recorded' : `the last verdict is ${(reading.ageMs / 1000).toFixed(0)}s old`;
    return { outcome: 'record', warning: `${why} (is a reconciler running?); recording the request: the reconciler decides when it runs` };
  }
  const verdict = reading.verdicts.nodes[to];
  if (verdict?.state !== 'healthy') {
    throw new RequestRefusedError(
      `"${to}" is ${verdict?.state ?? 'unknown'} (${verdict?.reason ?? 'not judged yet'}) by the reconciler's verdict ${(reading.ageMs / 1000).toFixed(1)}s ago; the reconciler moves a group only to a healthy member`,
    );
  }
  return { outcome: 'record' };
}
