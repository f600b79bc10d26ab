import type { ClusterSpec, GroupId, NodeId } from '../core/model';

/*
 * What a group means on this node: for each of the group's resources, this node's ENI and,
 * in route mode, the virtual IP to bring up and the local interface to bring it up on.
 */

export interface ResourceBinding {
  readonly resource: string;
  readonly mode: 'route' | 'eip';
  readonly eni: string;
  /** Route mode: the virtual IP, without its /32. */
  readonly vip?: string | undefined;
  readonly interface?: string | undefined;
  /** Why the interface could not be found; only the built-in ip step needs it. */
  readonly interfaceError?: string | undefined;
}

/** The groups `node` is a member of, in spec order. */
export function groupsOfNode(spec: ClusterSpec, node: NodeId): GroupId[] {
  return spec.groups.filter((group) => group.nodesByPriority.includes(node)).map((group) => group.id);
}

export function groupBindings(spec: ClusterSpec, group: GroupId, node: NodeId, interfaceOf: (eni: string) => string): ResourceBinding[] {
  const bindings: ResourceBinding[] = [];
  for (const resource of spec.resources) {
    if (resource.group !== group) continue;
    const member = resource.members.find((m) => m.node === node);
    if (!member) continue;
    if (resource.mode === 'eip') {
      bindings.push({ resource: resource.id, mode: 'eip', eni: member.eni });
      continue;
    }
    let iface: string | undefined;
    let interfaceError: string | undefined;
    try {
      iface = interfaceOf(member.eni);
    } catch (error) {
      interfaceError = (error as Error).message;
    }
    bindings.push({ resource: resource.id, mode: 'route', eni: member.eni, vip: resource.destination.replace(/\/32$/, ''), interface: iface, interfaceError });
  }
  return bindings;
}
