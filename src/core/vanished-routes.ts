import type { CloudObservation, ClusterSpec, Finding, RouteResourceSpec } from './model';
import { selectsTable } from './plan';

/*
 * A protected route that disappears is a finding, not silence. With `routeTables: all` or a tag,
 * the tables are found by the route itself (one filtered DescribeRouteTables), so a route deleted
 * by hand would simply drop out of sight. This remembers, for the process's lifetime, every
 * selected table seen holding each protected destination, and reports each one that no longer
 * does (EC2F-R014) until the route is back. Tables listed by id are reported by EC2F-R006 already.
 *
 * Nothing is recreated: the filtered read cannot tell a deleted route from a deleted table, and a
 * CreateRoute into a table that is gone would fail in a way that counts against the owner.
 */

export const VANISHED_ROUTE = 'EC2F-R014';

function seenKey(resource: RouteResourceSpec): string {
  return `${resource.id}|${resource.vpcId}|${resource.destination}`;
}

/** Tables holding the resource's destination now, selected or not; undefined while EC2 is unknown. */
function holdingNow(resource: RouteResourceSpec, observation: CloudObservation): { selected: Set<string>; other: Set<string> } | undefined {
  const observed = observation.routeTables[resource.vpcId];
  if (!observed?.ok) return undefined;
  const holding = observed.value.filter((t) => t.routes.some((r) => r.destination === resource.destination));
  return {
    selected: new Set(holding.filter((t) => selectsTable(resource, t)).map((t) => t.routeTableId)),
    // Still holding it but no longer selected (its tag changed): not a vanished route.
    other: new Set(holding.filter((t) => !selectsTable(resource, t)).map((t) => t.routeTableId)),
  };
}

/** Records the tables holding each route now; returns one finding per table seen holding it before that no longer does. */
export function vanishedRoutes(spec: ClusterSpec, observation: CloudObservation, seen: Map<string, Set<string>>): Finding[] {
  const findings: Finding[] = [];
  for (const resource of spec.resources) {
    if (resource.mode !== 'route' || Array.isArray(resource.routeTables)) continue;
    const now = holdingNow(resource, observation);
    if (!now) continue;
    const tables = seen.get(seenKey(resource)) ?? new Set<string>();
    for (const id of now.selected) tables.add(id);
    for (const id of now.other) tables.delete(id);
    seen.set(seenKey(resource), tables);
    for (const id of [...tables].filter((t) => !now.selected.has(t)).sort()) {
      findings.push({
        code: VANISHED_ROUTE,
        severity: 'error',
        group: resource.group,
        resource: resource.id,
        routeTable: id,
        message: `route table ${id} held the route for ${resource.destination} of resource "${resource.id}" and no longer does (deleted by hand, or the table was deleted); it is not recreated: create it again (aws ec2 create-route --route-table-id ${id} --destination-cidr-block ${resource.destination} --network-interface-id <owner ENI>)`,
      });
    }
  }
  return findings;
}
