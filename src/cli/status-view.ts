import type { VerdictFinding } from '../aws/dynamodb/verdict-store';
import type {
  CloudObservation,
  ClusterSpec,
  GroupSpec,
  GroupStatus,
  Heartbeat,
  HealthState,
  InstanceState,
  NodeId,
  OperatorRequest,
  ResourceSpec,
  Transition,
} from '../core/model';
import { selectsTable } from '../core/plan';
import type { VerdictReading } from './verdicts';

/*
 * What `status` shows, computed from what it read (pure, so each rule is tested on its own):
 * per group whether it serves and, if not, why; per node the reconciler's verdict; per resource
 * what EC2 says now. The CLI judges no liveness itself: one read cannot see a sequence advance.
 */

export type Serving = 'yes' | 'no' | 'unknown';

export interface GroupView {
  readonly group: string;
  readonly owner: NodeId | null;
  readonly epoch: number;
  readonly phase: string;
  readonly maintenance: boolean;
  readonly serving: Serving;
  /** Why it does not serve, or what an operator should know (maintenance, findings). */
  readonly notes: readonly string[];
  readonly excluded: readonly { readonly node: NodeId; readonly why: string }[];
  /** Members that could not take over now, and why. */
  readonly ineligible: readonly { readonly node: NodeId; readonly state: HealthState; readonly reason: string }[];
  readonly pendingRequest?: (OperatorRequest & { readonly by?: string | undefined }) | undefined;
  readonly lastTransition?: Transition | undefined;
  readonly findings: readonly VerdictFinding[];
}

export interface NodeView {
  readonly node: NodeId;
  readonly instanceId: string;
  /** The reconciler's verdict; undefined when none is recorded or it is stale. */
  readonly verdict?: { readonly state: HealthState; readonly reason: string; readonly healthySince?: number | undefined } | undefined;
  readonly instanceState?: InstanceState | undefined;
  readonly heartbeat?: { readonly seq: number; readonly ageSeconds: number; readonly leaving: boolean; readonly failingChecks: readonly string[] } | undefined;
}

/** `unowned`: the group has no owner yet, so no target is right or wrong. */
export type TargetMark = 'ok' | 'drift' | 'blackhole' | 'missing' | 'unowned';

export interface RouteView {
  readonly routeTableId: string;
  readonly target?: string | undefined;
  readonly targetNode?: NodeId | undefined;
  readonly mark: TargetMark;
}

export interface ResourceView {
  readonly resource: string;
  readonly group: string;
  readonly mode: 'route' | 'eip';
  /** Route mode: the destination; EIP mode: the allocation (and public IP when known). */
  readonly address: string;
  readonly routes?: readonly RouteView[] | undefined;
  readonly association?: { readonly eni?: string | undefined; readonly node?: NodeId | undefined; readonly privateIp?: string | undefined; readonly mark: TargetMark } | undefined;
  /** Why EC2 could not tell, when it could not (or was not asked). */
  readonly unknown?: string | undefined;
}

export interface StatusView {
  readonly cluster: string;
  readonly region: string;
  readonly at: number;
  readonly verdicts: { readonly state: VerdictReading['kind']; readonly ageSeconds?: number | undefined; readonly holder?: string | undefined };
  readonly groups: readonly GroupView[];
  readonly nodes: readonly NodeView[];
  readonly resources: readonly ResourceView[];
}

export interface StatusInput {
  readonly spec: ClusterSpec;
  readonly region: string;
  readonly statuses: ReadonlyMap<string, GroupStatus>;
  readonly verdicts: VerdictReading;
  readonly heartbeats: readonly Heartbeat[];
  /** undefined: EC2 was not read (`--no-ec2`). */
  readonly observation?: CloudObservation | undefined;
  readonly now: number;
}

function memberEni(resource: ResourceSpec, node: NodeId | null): string | undefined {
  return node === null ? undefined : resource.members.find((m) => m.node === node)?.eni;
}

function nodeOfEni(resource: ResourceSpec, eni: string | undefined): NodeId | undefined {
  return eni === undefined ? undefined : resource.members.find((m) => m.eni === eni)?.node;
}

export function resourceView(resource: ResourceSpec, owner: NodeId | null, observation: CloudObservation | undefined): ResourceView {
  const base = { resource: resource.id, group: resource.group, mode: resource.mode };
  const ownerEni = memberEni(resource, owner);
  if (resource.mode === 'route') {
    const view = { ...base, address: resource.destination };
    if (!observation) return { ...view, unknown: 'EC2 not read' };
    const observed = observation.routeTables[resource.vpcId];
    if (!observed?.ok) return { ...view, unknown: observed?.reason ?? 'not observed' };
    const tables = observed.value.filter((t) => selectsTable(resource, t));
    const routes: RouteView[] = [];
    for (const table of tables) {
      for (const route of table.routes) {
        if (route.destination !== resource.destination) continue;
        const target = route.networkInterfaceId ?? route.otherTarget;
        const mark: TargetMark =
          route.state === 'blackhole'
            ? 'blackhole'
            : owner === null
              ? 'unowned'
              : route.networkInterfaceId !== undefined && route.networkInterfaceId === ownerEni
                ? 'ok'
                : 'drift';
        routes.push({ routeTableId: table.routeTableId, target, targetNode: nodeOfEni(resource, route.networkInterfaceId), mark });
      }
    }
    if (Array.isArray(resource.routeTables)) {
      for (const id of resource.routeTables as readonly string[]) if (!tables.some((t) => t.routeTableId === id)) routes.push({ routeTableId: id, mark: 'missing' });
    }
    return { ...view, routes };
  }
  const view = { ...base, address: resource.allocationId };
  if (!observation) return { ...view, unknown: 'EC2 not read' };
  if (!observation.addresses.ok) return { ...view, unknown: observation.addresses.reason };
  const address = observation.addresses.value[resource.allocationId];
  if (!address?.exists) return { ...view, association: { mark: 'missing' } };
  const wanted = resource.members.find((m) => m.node === owner);
  const onOwner =
    address.networkInterfaceId !== undefined &&
    address.networkInterfaceId === ownerEni &&
    (wanted?.privateIp === undefined || address.privateIp === wanted.privateIp);
  return {
    ...view,
    address: address.publicIp ? `${resource.allocationId} (${address.publicIp})` : resource.allocationId,
    association: {
      eni: address.networkInterfaceId,
      node: nodeOfEni(resource, address.networkInterfaceId),
      privateIp: address.privateIp,
      mark: owner === null ? 'unowned' : onOwner ? 'ok' : 'drift',
    },
  };
}

function offOwner(resource: ResourceView): string[] {
  if (resource.routes) return resource.routes.filter((r) => r.mark !== 'ok').map((r) => `${r.routeTableId} ${resource.address} ${r.mark}${r.target ? ` (→ ${r.target})` : ''}`);
  if (resource.association && resource.association.mark !== 'ok') return [`${resource.address} ${resource.association.mark}${resource.association.eni ? ` (on ${resource.association.eni})` : ' (not associated)'}`];
  return [];
}

function groupView(group: GroupSpec, input: StatusInput, resources: readonly ResourceView[]): GroupView {
  const status = input.statuses.get(group.id);
  const owner = status?.owner ?? null;
  const verdicts = input.verdicts.kind === 'fresh' ? input.verdicts.verdicts : undefined;
  const findings = verdicts?.groups[group.id]?.findings ?? [];
  const notes: string[] = [];
  let serving: Serving = 'yes';
  const not = (why: string, certain = true) => {
    notes.push(why);
    if (certain) serving = 'no';
    else if (serving === 'yes') serving = 'unknown';
  };

  if (owner === null) not('no owner yet');
  else {
    if (status?.phase === 'failing-over') not(`failing over to ${owner}${status.lastTransition ? ` since ${new Date(status.lastTransition.at).toISOString()} (${status.lastTransition.reason})` : ''}`);
    const verdict = verdicts?.nodes[owner];
    if (!verdicts) not(`owner ${owner}'s health unknown: ${input.verdicts.kind === 'none' ? 'no verdict recorded (is a reconciler running?)' : 'the last verdict is stale (is a reconciler running?)'}`, false);
    else if (verdict?.state === 'failed') not(`owner ${owner} failed: ${verdict.reason}`);
    else if (verdict?.state !== 'healthy') not(`owner ${owner} is ${verdict?.state ?? 'not judged'}: ${verdict?.reason ?? 'no verdict for it'}`, false);
    const mine = resources.filter((r) => r.group === group.id);
    const unknown = mine.filter((r) => r.unknown !== undefined);
    const off = mine.flatMap(offOwner);
    if (off.length > 0) not(`not on ${owner}: ${off.join('; ')}`);
    if (unknown.length > 0) not(`EC2 state unknown for ${unknown.map((r) => `${r.resource} (${r.unknown})`).join(', ')}`, false);
  }
  if (status?.maintenance) notes.push('MAINTENANCE: observe only, no repair, no failover');
  for (const finding of findings) if (finding.severity === 'error' && !notes.includes(finding.message)) notes.push(`${finding.code} ${finding.message}`);

  const excluded = (status?.excluded ?? []).map((node) => ({ node, why: 'excluded after repeated terminal repair failures; a switchover to it with --clear-exclusion vouches for it' }));
  const ineligible = verdicts
    ? group.nodesByPriority
        .filter((node) => node !== owner)
        .map((node) => ({ node, verdict: verdicts.nodes[node] }))
        .filter(({ verdict }) => verdict?.state !== 'healthy')
        .map(({ node, verdict }) => ({ node, state: verdict?.state ?? ('unknown' as const), reason: verdict?.reason ?? 'not judged yet' }))
    : [];
  return {
    group: group.id,
    owner,
    epoch: status?.epoch ?? 0,
    phase: status ? status.phase : 'no status yet',
    maintenance: status?.maintenance ?? false,
    serving,
    notes,
    excluded,
    ineligible,
    pendingRequest: status?.request,
    lastTransition: status?.lastTransition,
    findings,
  };
}

function nodeViews(input: StatusInput): NodeView[] {
  const verdicts = input.verdicts.kind === 'fresh' ? input.verdicts.verdicts : undefined;
  const instances = input.observation?.instances.ok ? input.observation.instances.value : undefined;
  return input.spec.nodes.map((node) => {
    const beat = input.heartbeats.find((h) => h.instanceId === node.instanceId);
    const verdict = verdicts?.nodes[node.id];
    return {
      node: node.id,
      instanceId: node.instanceId,
      verdict: verdict ? { state: verdict.state, reason: verdict.reason, healthySince: verdict.healthySince } : undefined,
      instanceState: instances?.[node.instanceId],
      heartbeat: beat
        ? {
            seq: beat.seq,
            ageSeconds: Math.max(0, (input.now - beat.sentAt) / 1000),
            leaving: beat.leaving,
            failingChecks: beat.checks.filter((c) => !c.ok).map((c) => c.name),
          }
        : undefined,
    };
  });
}

export function statusView(input: StatusInput): StatusView {
  const owners = new Map(input.spec.groups.map((g) => [g.id, input.statuses.get(g.id)?.owner ?? null]));
  const resources = input.spec.resources.map((r) => resourceView(r, owners.get(r.group) ?? null, input.observation));
  const reading = input.verdicts;
  return {
    cluster: input.spec.cluster,
    region: input.region,
    at: input.now,
    verdicts:
      reading.kind === 'none'
        ? { state: 'none' }
        : { state: reading.kind, ageSeconds: reading.ageMs / 1000, holder: reading.verdicts.holder },
    groups: input.spec.groups.map((g) => groupView(g, input, resources)),
    nodes: nodeViews(input),
    resources,
  };
}

/** What changed between two views, one line each: owners, phases, serving, verdicts, targets. */
export function transitionsBetween(before: StatusView, after: StatusView): string[] {
  const lines: string[] = [];
  for (const g of after.groups) {
    const was = before.groups.find((b) => b.group === g.group);
    if (!was) continue;
    if (was.owner !== g.owner || was.epoch !== g.epoch) lines.push(`group ${g.group}: owner ${was.owner ?? '-'} → ${g.owner ?? '-'} (epoch ${g.epoch}${g.lastTransition ? `, ${g.lastTransition.reason}` : ''})`);
    if (was.phase !== g.phase) lines.push(`group ${g.group}: phase ${was.phase} → ${g.phase}`);
    if (was.maintenance !== g.maintenance) lines.push(`group ${g.group}: maintenance ${g.maintenance ? 'on' : 'off'}`);
    if (was.serving !== g.serving) lines.push(`group ${g.group}: serving ${was.serving} → ${g.serving}${g.notes.length > 0 ? ` (${g.notes[0]})` : ''}`);
  }
  for (const n of after.nodes) {
    const was = before.nodes.find((b) => b.node === n.node);
    if (!was) continue;
    if (was.verdict?.state !== n.verdict?.state) lines.push(`node ${n.node}: ${was.verdict?.state ?? 'no verdict'} → ${n.verdict?.state ?? 'no verdict'}${n.verdict ? ` (${n.verdict.reason})` : ''}`);
    if (was.instanceState !== n.instanceState && n.instanceState !== undefined) lines.push(`node ${n.node}: instance ${was.instanceState ?? '?'} → ${n.instanceState}`);
  }
  for (const r of after.resources) {
    const was = before.resources.find((b) => b.resource === r.resource);
    if (!was) continue;
    for (const route of r.routes ?? []) {
      const old = was.routes?.find((o) => o.routeTableId === route.routeTableId);
      if (old && (old.target !== route.target || old.mark !== route.mark)) {
        lines.push(`resource ${r.resource}: ${route.routeTableId} ${r.address} → ${route.targetNode ?? route.target ?? '?'} (${route.mark})`);
      }
    }
    if (r.association && was.association && (r.association.eni !== was.association.eni || r.association.mark !== was.association.mark)) {
      lines.push(`resource ${r.resource}: ${r.address} → ${r.association.node ?? r.association.eni ?? 'nothing'} (${r.association.mark})`);
    }
  }
  return lines;
}
