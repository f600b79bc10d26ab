import {
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeVpcsCommand,
  ReplaceRouteCommand,
  StopInstancesCommand,
  type Address,
  type EC2Client,
  type Instance,
  type NetworkInterface,
  type Vpc,
} from '@aws-sdk/client-ec2';
import { cidrContains, parseIpv4Cidr } from '../../core/ipv4';
import type { ClusterSpec, EipResourceSpec, RouteResourceSpec } from '../../core/model';
import { selectsTable } from '../../core/plan';
import { awsErrorCode } from './errors';
import { recoveryCheck } from './preflight-recovery';
import { toRouteTableObservation } from './route-tables';

/*
 * `validate --live`: the config against the real account, before it protects anything. Read-only
 * Describe calls, plus `DryRun` calls for the actions the control plane needs (EC2 answers a
 * permitted dry run with `DryRunOperation`, a refused one with `UnauthorizedOperation`). Each
 * dry run names what is already there (a route's current target, the address's current ENI), so
 * even an endpoint that ignored DryRun would change nothing. One result per check.
 */

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface PreflightCheck {
  readonly status: CheckStatus;
  /** What was checked, e.g. `eni eni-0123 (db-vip, node1)`. */
  readonly subject: string;
  readonly detail: string;
  /** What to do, for warnings and failures. */
  readonly action?: string | undefined;
}

const pass = (subject: string, detail: string): PreflightCheck => ({ status: 'pass', subject, detail });
const warn = (subject: string, detail: string, action: string): PreflightCheck => ({ status: 'warn', subject, detail, action });
const fail = (subject: string, detail: string, action: string): PreflightCheck => ({ status: 'fail', subject, detail, action });

function routeResources(spec: ClusterSpec): RouteResourceSpec[] {
  return spec.resources.filter((r): r is RouteResourceSpec => r.mode === 'route');
}

function eipResources(spec: ClusterSpec): EipResourceSpec[] {
  return spec.resources.filter((r): r is EipResourceSpec => r.mode === 'eip');
}

/** A read whose failure is itself a check result (a missing id, a refused call). */
async function attempt<T>(read: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; code: string; message: string }> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    return { ok: false, code: awsErrorCode(error), message: (error as Error).message };
  }
}

async function checkVpcs(ec2: EC2Client, spec: ClusterSpec): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  const byVpc = new Map<string, RouteResourceSpec[]>();
  for (const r of routeResources(spec)) byVpc.set(r.vpcId, [...(byVpc.get(r.vpcId) ?? []), r]);
  for (const [vpcId, resources] of byVpc) {
    const read = await attempt(() => ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] })));
    const vpc: Vpc | undefined = read.ok ? read.value.Vpcs?.[0] : undefined;
    if (!vpc) {
      checks.push(fail(`vpc ${vpcId}`, read.ok ? 'does not exist' : `${read.code}: ${read.message}`, 'Fix vpcId (wrong account or region?).'));
      continue;
    }
    const cidrs = (vpc.CidrBlockAssociationSet ?? []).filter((a) => a.CidrBlockState?.State !== 'disassociated').map((a) => a.CidrBlock).filter((c): c is string => c !== undefined);
    if (cidrs.length === 0 && vpc.CidrBlock) cidrs.push(vpc.CidrBlock);
    for (const resource of resources) {
      const destination = parseIpv4Cidr(resource.destination);
      const inside = cidrs.find((c) => destination && cidrContains(parseIpv4Cidr(c)!, destination));
      checks.push(
        inside
          ? fail(`destination ${resource.destination} (${resource.id})`, `lies inside ${vpcId}'s CIDR ${inside}, where the VPC's local route wins`, 'Pick a virtual IP outside every CIDR block of the VPC.')
          : pass(`destination ${resource.destination} (${resource.id})`, `outside every CIDR block of ${vpcId} (${cidrs.join(', ')})`),
      );
    }
  }
  return checks;
}

async function checkEnis(ec2: EC2Client, spec: ClusterSpec): Promise<PreflightCheck[]> {
  const wanted = spec.resources.flatMap((resource) => resource.members.map((member) => ({ resource, member })));
  return Promise.all(
    wanted.map(async ({ resource, member }): Promise<PreflightCheck> => {
      const subject = `eni ${member.eni} (${resource.id}, ${member.node})`;
      const read = await attempt(() => ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [member.eni] })));
      const eni: NetworkInterface | undefined = read.ok ? read.value.NetworkInterfaces?.[0] : undefined;
      if (!eni) return fail(subject, read.ok ? 'does not exist' : `${read.code}: ${read.message}`, "Fix the member's eni.");
      const instanceId = spec.nodes.find((n) => n.id === member.node)?.instanceId;
      const attachedTo = eni.Attachment?.InstanceId;
      if (attachedTo !== instanceId) {
        return fail(subject, attachedTo ? `attached to ${attachedTo}, not to ${member.node}'s ${instanceId}` : 'not attached to any instance', `Attach it to ${instanceId}, or fix the member's eni.`);
      }
      if (resource.mode === 'route' && eni.SourceDestCheck !== false) {
        return fail(subject, 'source/destination check is on: the node would drop traffic for the virtual IP', `aws ec2 modify-network-interface-attribute --network-interface-id ${member.eni} --no-source-dest-check`);
      }
      return pass(subject, `attached to ${instanceId}${resource.mode === 'route' ? ', source/destination check off' : ''}`);
    }),
  );
}

async function checkRoutes(ec2: EC2Client, spec: ClusterSpec): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  for (const resource of routeResources(spec)) {
    const subject = `routes to ${resource.destination} (${resource.id})`;
    const read = await attempt(() =>
      ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [resource.vpcId] }, { Name: 'route.destination-cidr-block', Values: [resource.destination] }] })),
    );
    if (!read.ok) {
      checks.push(fail(subject, `${read.code}: ${read.message}`, 'Grant ec2:DescribeRouteTables; check the VPC.'));
      continue;
    }
    const tables = (read.value.RouteTables ?? []).map((t) => toRouteTableObservation(t, resource.vpcId)).filter((t) => selectsTable(resource, t));
    const listed = Array.isArray(resource.routeTables) ? (resource.routeTables as readonly string[]) : [];
    const missing = listed.filter((id) => !tables.some((t) => t.routeTableId === id));
    if (missing.length > 0 || tables.length === 0) {
      const where = missing.length > 0 ? missing.join(', ') : `any selected route table of ${resource.vpcId}`;
      checks.push(fail(subject, `no route for ${resource.destination} in ${where}`, `Create it once: aws ec2 create-route --route-table-id RTB --destination-cidr-block ${resource.destination} --network-interface-id ${resource.members[0]!.eni}`));
      continue;
    }
    const enis = new Set(resource.members.map((m) => m.eni));
    const foreign = tables.flatMap((t) => t.routes.filter((r) => r.destination === resource.destination && (r.networkInterfaceId === undefined || !enis.has(r.networkInterfaceId))).map((r) => `${t.routeTableId} → ${r.networkInterfaceId ?? r.otherTarget ?? '?'}`));
    checks.push(
      foreign.length > 0
        ? warn(subject, `${tables.length} table(s) hold it, but ${foreign.join(', ')} point at no member`, 'The first reconcile moves them to the owner; make sure that is what you want.')
        : pass(subject, `${tables.length} table(s) hold it: ${tables.map((t) => t.routeTableId).join(', ')}`),
    );
  }
  return checks;
}

async function checkAddresses(ec2: EC2Client, spec: ClusterSpec): Promise<PreflightCheck[]> {
  return Promise.all(
    eipResources(spec).map(async (resource): Promise<PreflightCheck> => {
      const subject = `elastic ip ${resource.allocationId} (${resource.id})`;
      const read = await attempt(() => ec2.send(new DescribeAddressesCommand({ AllocationIds: [resource.allocationId] })));
      const address: Address | undefined = read.ok ? read.value.Addresses?.[0] : undefined;
      if (!address) return fail(subject, read.ok ? 'does not exist' : `${read.code}: ${read.message}`, 'Fix allocationId (wrong account or region?).');
      if (address.Domain !== undefined && address.Domain !== 'vpc') return fail(subject, `is an EC2-Classic (${address.Domain}) address`, 'Allocate a VPC Elastic IP.');
      const on = address.NetworkInterfaceId;
      if (on !== undefined && !resource.members.some((m) => m.eni === on)) {
        return warn(subject, `${address.PublicIp} is associated with ${on}${address.InstanceId ? ` (${address.InstanceId})` : ''}, which is no member`, 'The first reconcile takes it away from there (AllowReassociation); make sure nothing needs it.');
      }
      return pass(subject, `${address.PublicIp ?? ''} is a VPC address${on ? `, on member ENI ${on}` : ', not associated'}`.trim());
    }),
  );
}

function instanceCheck(node: { readonly id: string; readonly instanceId: string }, instance: Instance | undefined): PreflightCheck {
  const subject = `instance ${node.instanceId} (${node.id})`;
  if (!instance) return fail(subject, 'does not exist', "Fix the node's instanceId.");
  const asg = instance.Tags?.find((t) => t.Key === 'aws:autoscaling:groupName')?.Value;
  if (asg) return warn(subject, `belongs to Auto Scaling group ${asg}, which may replace it while a failover runs`, 'Suspend the group\'s ReplaceUnhealthy process, or keep the nodes out of Auto Scaling.');
  const state = instance.State?.Name ?? 'unknown';
  if (state !== 'running') return warn(subject, `is ${state}`, 'Start it; a node that is not running is failed.');
  return pass(subject, 'running');
}

/** Per node: the instance exists and runs; then whether EC2 would recover it on its own (preflight-recovery.ts). */
async function checkInstances(ec2: EC2Client, spec: ClusterSpec): Promise<PreflightCheck[]> {
  const read = await attempt(() => ec2.send(new DescribeInstancesCommand({ InstanceIds: spec.nodes.map((n) => n.instanceId) })));
  if (!read.ok) return [fail('instances', `${read.code}: ${read.message}`, "Fix the nodes' instanceId (wrong account or region?).")];
  const instances = new Map<string, Instance>((read.value.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => [i.InstanceId ?? '', i]));
  const states = spec.nodes.map((node) => instanceCheck(node, instances.get(node.instanceId)));
  const recovery = spec.nodes.flatMap((node) => (instances.has(node.instanceId) ? [recoveryCheck(node, instances.get(node.instanceId)!)] : []));
  return [...states, ...recovery];
}

/** A dry run: permitted (`DryRunOperation`), refused (`UnauthorizedOperation`), or something else. */
async function dryRun(subject: string, action: string, send: () => Promise<unknown>): Promise<PreflightCheck> {
  const read = await attempt(send);
  if (!read.ok && read.code === 'DryRunOperation') return pass(subject, `ec2:${action} permitted (DryRun)`);
  if (!read.ok && (read.code === 'UnauthorizedOperation' || read.code.startsWith('AccessDenied') || read.code === 'AuthFailure')) {
    return fail(subject, `ec2:${action} denied (${read.code})`, `Grant ec2:${action} to the control plane's role (the stack's policy does).`);
  }
  if (read.ok) return warn(subject, `ec2:${action} ran although DryRun was set (an endpoint that ignores DryRun); it named what was already there, so nothing changed`, 'None.');
  return warn(subject, `ec2:${action} dry run answered ${read.code}: ${read.message}`, 'Check the message; permissions are unknown.');
}

async function checkPermissions(ec2: EC2Client, spec: ClusterSpec): Promise<PreflightCheck[]> {
  const checks: Promise<PreflightCheck>[] = [];
  for (const resource of routeResources(spec)) {
    const read = await attempt(() =>
      ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [resource.vpcId] }, { Name: 'route.destination-cidr-block', Values: [resource.destination] }] })),
    );
    const table = read.ok ? read.value.RouteTables?.map((t) => toRouteTableObservation(t, resource.vpcId)).find((t) => selectsTable(resource, t)) : undefined;
    const route = table?.routes.find((r) => r.destination === resource.destination);
    if (!table || !route?.networkInterfaceId) continue;
    checks.push(
      dryRun(`permission ReplaceRoute (${resource.id})`, 'ReplaceRoute', () =>
        ec2.send(new ReplaceRouteCommand({ DryRun: true, RouteTableId: table.routeTableId, DestinationCidrBlock: resource.destination, NetworkInterfaceId: route.networkInterfaceId })),
      ),
    );
  }
  for (const resource of eipResources(spec)) {
    const read = await attempt(() => ec2.send(new DescribeAddressesCommand({ AllocationIds: [resource.allocationId] })));
    const address = read.ok ? read.value.Addresses?.[0] : undefined;
    const member = resource.members.find((m) => m.eni === address?.NetworkInterfaceId);
    if (!address || !member) continue;
    checks.push(
      dryRun(`permission AssociateAddress (${resource.id})`, 'AssociateAddress', () =>
        ec2.send(new AssociateAddressCommand({ DryRun: true, AllocationId: resource.allocationId, NetworkInterfaceId: member.eni, PrivateIpAddress: address.PrivateIpAddress, AllowReassociation: true })),
      ),
    );
  }
  if (spec.groups.some((g) => g.fencing === 'stop')) {
    const node = spec.nodes[0]!;
    checks.push(dryRun(`permission StopInstances (${node.id})`, 'StopInstances', () => ec2.send(new StopInstancesCommand({ DryRun: true, InstanceIds: [node.instanceId] }))));
  }
  return Promise.all(checks);
}

/** Every EC2 check of the config, in a stable order: network, members, routes, addresses, nodes, permissions. */
export async function preflightEc2(ec2: EC2Client, spec: ClusterSpec): Promise<PreflightCheck[]> {
  const [vpcs, enis, routes, addresses, instances, permissions] = await Promise.all([
    checkVpcs(ec2, spec),
    checkEnis(ec2, spec),
    checkRoutes(ec2, spec),
    checkAddresses(ec2, spec),
    checkInstances(ec2, spec),
    checkPermissions(ec2, spec),
  ]);
  return [...vpcs, ...enis, ...routes, ...addresses, ...instances, ...permissions];
}
