import type { ErrorCode } from './error-codes';
import { destinationsInsideVpc } from './eligibility';
import type {
  Action,
  ActionReason,
  ClusterSpec,
  CloudObservation,
  Finding,
  GroupSpec,
  GroupStatus,
  InstanceState,
  ResourceSpec,
  RouteResourceSpec,
  RouteTableObservation,
} from './model';

/*
 * What must change in EC2 so that every protected route and Elastic IP of a group points at
 * its owner. Only routes whose destination is a protected one, in the selected route tables,
 * and only the protected allocations are ever named: nothing else is touched.
 */

export interface GroupPlan {
  readonly actions: readonly Action[];
  readonly findings: readonly Finding[];
  /** True when the observation was complete for this group and nothing needs to change. */
  readonly converged: boolean;
}

const FENCED_STATES: ReadonlySet<InstanceState> = new Set(['stopping', 'stopped', 'shutting-down', 'terminated', 'absent']);

export function selectsTable(resource: RouteResourceSpec, table: RouteTableObservation): boolean {
  const selector = resource.routeTables;
  if (selector === 'all') return table.vpcId === resource.vpcId;
  if (Array.isArray(selector)) return (selector as readonly string[]).includes(table.routeTableId);
  const tags = (selector as { tag: Record<string, string> }).tag;
  return Object.entries(tags).every(([key, value]) => table.tags[key] === value);
}

export function planGroup(spec: ClusterSpec, group: GroupSpec, status: GroupStatus, cloud: CloudObservation): GroupPlan {
  const actions: Action[] = [];
  const findings: Finding[] = [];
  let complete = true;
  const owner = status.owner;
  if (owner === null) return { actions, findings, converged: false };

  const reason: ActionReason =
    status.phase === 'failing-over' && status.lastTransition ? status.lastTransition.reason : 'drift';
  const note = (code: ErrorCode, severity: Finding['severity'], resource: string, message: string) =>
    findings.push({ code, severity, group: group.id, resource, message });

  if (status.phase === 'failing-over' && status.fenceNode) {
    const node = spec.nodes.find((n) => n.id === status.fenceNode);
    const state = cloud.instances.ok && node ? cloud.instances.value[node.instanceId] : undefined;
    if (node && (state === undefined || !FENCED_STATES.has(state))) {
      actions.push({ kind: 'stop-instance', group: group.id, epoch: status.epoch, reason: 'fencing', node: node.id, instanceId: node.instanceId });
    }
  }

  const resources = spec.resources.filter((r) => r.group === group.id);
  const insideVpc = destinationsInsideVpc(resources.filter((r): r is RouteResourceSpec => r.mode === 'route'), cloud);
  for (const resource of resources) {
    const block = insideVpc.get(resource.id);
    if (block !== undefined && resource.mode === 'route') {
      note('EC2F-R013', 'error', resource.id, `destination ${resource.destination} lies inside ${resource.vpcId}'s CIDR block ${block}: refusing to touch its routes; pick a virtual IP outside every CIDR block of the VPC`);
      complete = false;
      continue;
    }
    const member = resource.members.find((m) => m.node === owner);
    if (!member) {
      note('EC2F-R003', 'error', resource.id, `owner ${owner} is not a member of resource "${resource.id}"`);
      complete = false;
      continue;
    }
    const planned = resource.mode === 'route' ? planRoute(resource, member.eni, cloud) : planAddress(resource, member, cloud);
    complete &&= planned.complete;
    for (const f of planned.findings) note(f.code, f.severity, resource.id, f.message);
    for (const a of planned.actions) actions.push({ ...a, group: group.id, resource: resource.id, epoch: status.epoch, reason } as Action);
  }

  if (status.maintenance && actions.length > 0) {
    for (const resource of resources) {
      const drifted = actions.filter((a) => 'resource' in a && a.resource === resource.id).length;
      if (drifted > 0) note('EC2F-R004', 'warning', resource.id, `${drifted} drifted item(s) of resource "${resource.id}" left alone: group in maintenance`);
    }
    return { actions: [], findings, converged: false };
  }
  return { actions, findings, converged: complete && actions.length === 0 };
}

type PartialAction =
  | Omit<Extract<Action, { kind: 'replace-route' }>, 'group' | 'resource' | 'epoch' | 'reason'>
  | Omit<Extract<Action, { kind: 'associate-address' }>, 'group' | 'resource' | 'epoch' | 'reason'>;

interface ResourcePlan {
  readonly actions: PartialAction[];
  readonly findings: { code: ErrorCode; severity: Finding['severity']; message: string }[];
  readonly complete: boolean;
}

function planRoute(resource: RouteResourceSpec, eni: string, cloud: CloudObservation): ResourcePlan {
  const observed = cloud.routeTables[resource.vpcId];
  if (!observed || !observed.ok) {
    return {
      actions: [],
      findings: [{ code: 'EC2F-R005', severity: 'warning', message: `route tables of ${resource.vpcId} unknown: ${observed && !observed.ok ? observed.reason : 'not observed'}; will look again` }],
      complete: false,
    };
  }
  const actions: PartialAction[] = [];
  const findings: ResourcePlan['findings'] = [];
  const tables = observed.value.filter((t) => selectsTable(resource, t));
  for (const table of tables) {
    for (const route of table.routes) {
      if (route.destination !== resource.destination) continue;
      if (route.networkInterfaceId === eni && route.state === 'active') continue;
      actions.push({ kind: 'replace-route', routeTableId: table.routeTableId, destination: resource.destination, networkInterfaceId: eni });
    }
  }
  if (Array.isArray(resource.routeTables)) {
    const seen = new Set(tables.map((t) => t.routeTableId));
    const missing = (resource.routeTables as readonly string[]).filter((id) => !seen.has(id));
    if (missing.length > 0)
      findings.push({
        code: 'EC2F-R006',
        severity: 'error',
        message: `route table(s) ${missing.join(', ')} hold no route for ${resource.destination}; create it once (aws ec2 create-route) and it will be kept on the owner`,
      });
  } else if (tables.length === 0) {
    findings.push({
      code: 'EC2F-R006',
      severity: 'error',
      message: `no selected route table in ${resource.vpcId} holds a route for ${resource.destination}; create it once (aws ec2 create-route) and it will be kept on the owner`,
    });
  }
  return { actions, findings, complete: true };
}

function planAddress(
  resource: Extract<ResourceSpec, { mode: 'eip' }>,
  member: ResourceSpec['members'][number],
  cloud: CloudObservation,
): ResourcePlan {
  if (!cloud.addresses.ok) {
    return {
      actions: [],
      findings: [{ code: 'EC2F-R005', severity: 'warning', message: `Elastic IP ${resource.allocationId} unknown: ${cloud.addresses.reason}; will look again` }],
      complete: false,
    };
  }
  const address = cloud.addresses.value[resource.allocationId];
  if (!address || !address.exists) {
    return {
      actions: [],
      findings: [{ code: 'EC2F-R007', severity: 'error', message: `Elastic IP allocation ${resource.allocationId} does not exist in this account and region; fix allocationId in the config` }],
      complete: false,
    };
  }
  const onOwner =
    address.networkInterfaceId === member.eni && (member.privateIp === undefined || address.privateIp === member.privateIp);
  if (onOwner) return { actions: [], findings: [], complete: true };
  return {
    actions: [{ kind: 'associate-address', allocationId: resource.allocationId, networkInterfaceId: member.eni, privateIp: member.privateIp }],
    findings: [],
    complete: true,
  };
}
