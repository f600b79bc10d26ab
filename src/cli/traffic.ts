import type { CloudObservation, ClusterSpec, GroupSpec, NodeId } from '../core/model';
import { initialStatus } from '../core/model';
import { planGroup } from '../core/plan';

/*
 * Whether every protected route and Elastic IP of a group points at a node, judged by the same
 * plan the reconciler makes: what it would still change is what is not there yet.
 */

export interface TrafficCheck {
  /** Every route and Elastic IP of the group is on the node. */
  readonly onNode: boolean;
  /** What would still move, e.g. `rtb-1 10.1.0.10/32 → eni-2`. */
  readonly pending: readonly string[];
  /** Why the answer is incomplete (EC2 unreadable, a route missing), when it is. */
  readonly problems: readonly string[];
}

export function trafficOn(spec: ClusterSpec, group: GroupSpec, node: NodeId, observation: CloudObservation): TrafficCheck {
  const plan = planGroup(spec, group, { ...initialStatus(group.id), owner: node }, observation);
  const pending = plan.actions.flatMap((a) =>
    a.kind === 'replace-route'
      ? [`${a.routeTableId} ${a.destination} → ${a.networkInterfaceId}`]
      : a.kind === 'associate-address'
        ? [`${a.allocationId} → ${a.networkInterfaceId}`]
        : [],
  );
  const problems = plan.findings.map((f) => `${f.code} ${f.message}`);
  return { onNode: plan.converged && pending.length === 0, pending, problems };
}
