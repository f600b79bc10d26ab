import { cidrContains, parseIpv4Cidr } from './ipv4';
import type { CloudObservation, ClusterSpec, Finding, GroupSpec, NodeId, RouteResourceSpec } from './model';

/*
 * Which members can receive a group's traffic at all, from what EC2 says of their ENIs and from
 * recent authorization refusals. A broken member is never chosen as a failover target, and it is
 * reported while the owner is still healthy, so the operator hears of it before it matters.
 * What EC2 did not answer is not held against anyone.
 */

/** Members whose traffic actions were refused for lack of permission, and when. */
export type UnauthorizedTargets = ReadonlyMap<NodeId, number>;

/** How long an authorization refusal keeps a member out of the choice of targets unless a later action to it succeeds. */
export const UNAUTHORIZED_TARGET_MS = 300_000;

export interface Eligibility {
  /** Member → why it cannot receive the group's traffic. */
  readonly ineligible: ReadonlyMap<NodeId, string>;
  readonly findings: readonly Finding[];
}

export function groupEligibility(spec: ClusterSpec, group: GroupSpec, observation: CloudObservation | undefined, unauthorized: UnauthorizedTargets, now: number): Eligibility {
  const ineligible = new Map<NodeId, string>();
  const interfaces = observation?.interfaces?.ok ? observation.interfaces.value : {};
  for (const resource of spec.resources.filter((r) => r.group === group.id)) {
    for (const member of resource.members) {
      const instanceId = spec.nodes.find((n) => n.id === member.node)?.instanceId;
      const eni = interfaces[member.eni];
      if (eni && !eni.exists) ineligible.set(member.node, `its ENI ${member.eni} (resource ${resource.id}) does not exist`);
      else if (eni && eni.attachedInstanceId !== instanceId)
        ineligible.set(member.node, `its ENI ${member.eni} (resource ${resource.id}) is ${eni.attachedInstanceId ? `attached to ${eni.attachedInstanceId}` : 'detached'}, not to ${instanceId}`);
    }
  }
  for (const [node, at] of unauthorized) {
    if (now - at < UNAUTHORIZED_TARGET_MS && group.nodesByPriority.includes(node) && !ineligible.has(node))
      ineligible.set(node, 'moving traffic to it was refused for lack of permission (EC2F-R010)');
  }
  const findings: Finding[] = [...ineligible].map(([node, why]) => ({
    code: 'EC2F-R009',
    severity: 'error',
    group: group.id,
    node,
    message: `member ${node} of group "${group.id}" cannot take traffic: ${why}; it is not a failover target until fixed`,
  }));
  return { ineligible, findings };
}

/** Route resources whose destination lies inside a CIDR block of their VPC (primary or secondary): never acted on. */
export function destinationsInsideVpc(resources: readonly RouteResourceSpec[], observation: CloudObservation): ReadonlyMap<string, string> {
  const inside = new Map<string, string>();
  if (!observation.vpcCidrs?.ok) return inside;
  for (const resource of resources) {
    const destination = parseIpv4Cidr(resource.destination);
    if (!destination) continue;
    const block = (observation.vpcCidrs.value[resource.vpcId] ?? []).find((text) => {
      const cidr = parseIpv4Cidr(text);
      return cidr !== undefined && cidrContains(cidr, destination);
    });
    if (block) inside.set(resource.id, block);
  }
  return inside;
}
