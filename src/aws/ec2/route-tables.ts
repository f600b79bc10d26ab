import { DescribeRouteTablesCommand, type Filter, type Route, type RouteTable } from '@aws-sdk/client-ec2';
import type { RouteEntry, RouteTableObservation } from '../../core/model';
import type { Ec2CallBudget, Ec2Caller } from './caller';
import { distinct, filterValueChunks } from './filters';

/*
 * Reads every route table of one VPC that holds a protected destination, in as few calls as EC2
 * allows: the destinations go into one filter (split only past the filter-value limit), so the
 * number of calls does not grow with the number of resources. Tables chosen by id or tag need no
 * call of their own: they hold the destination, and src/core/plan.ts applies the selector.
 */

/** The largest page DescribeRouteTables accepts. */
export const ROUTE_TABLES_PAGE_SIZE = 100;

const IPV4_DESTINATION_FILTER = 'route.destination-cidr-block';
const IPV6_DESTINATION_FILTER = 'route.destination-ipv6-cidr-block';

function isIpv6(destination: string): boolean {
  return destination.includes(':');
}

/** Readable target of a route that does not go to an ENI (gateway, NAT, peering, …). */
function otherTargetOf(route: Route): string | undefined {
  return (
    route.GatewayId ??
    route.NatGatewayId ??
    route.TransitGatewayId ??
    route.VpcPeeringConnectionId ??
    route.EgressOnlyInternetGatewayId ??
    route.LocalGatewayId ??
    route.CarrierGatewayId ??
    route.InstanceId ??
    route.CoreNetworkArn ??
    route.OdbNetworkArn
  );
}

export function toRouteEntry(route: Route): RouteEntry {
  const networkInterfaceId = route.NetworkInterfaceId || undefined;
  return {
    destination: route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock ?? route.DestinationPrefixListId ?? '',
    networkInterfaceId,
    otherTarget: networkInterfaceId === undefined ? otherTargetOf(route) : undefined,
    state: route.State === 'blackhole' ? 'blackhole' : 'active',
  };
}

export function toRouteTableObservation(table: RouteTable, vpcId: string): RouteTableObservation {
  const tags: Record<string, string> = {};
  for (const tag of table.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  return {
    routeTableId: table.RouteTableId ?? '',
    vpcId: table.VpcId ?? vpcId,
    tags,
    routes: (table.Routes ?? []).map(toRouteEntry),
  };
}

/** One filtered query, followed through every page. */
async function describeAllPages(caller: Ec2Caller, filters: Filter[], vpcId: string, budget: Ec2CallBudget): Promise<RouteTable[]> {
  const tables: RouteTable[] = [];
  let nextToken: string | undefined;
  do {
    const page = await caller.call({ operation: 'DescribeRouteTables' }, budget, (client, abortSignal) =>
      client.send(new DescribeRouteTablesCommand({ Filters: filters, MaxResults: ROUTE_TABLES_PAGE_SIZE, NextToken: nextToken }), { abortSignal }),
    );
    tables.push(...(page.RouteTables ?? []));
    nextToken = page.NextToken || undefined;
  } while (nextToken !== undefined);
  return tables.filter((table) => table.RouteTableId !== undefined && (table.VpcId === undefined || table.VpcId === vpcId));
}

/**
 * Every route table in `vpcId` with a route for any of `destinations`, each table once, with all
 * of its routes (so a plan can see what it must leave alone). Rejects with the caller's errors.
 */
export async function describeRouteTablesHolding(
  caller: Ec2Caller,
  vpcId: string,
  destinations: Iterable<string>,
  budget: Ec2CallBudget,
): Promise<RouteTableObservation[]> {
  const all = distinct(destinations);
  const byFamily: Array<[string, string[]]> = [
    [IPV4_DESTINATION_FILTER, all.filter((d) => !isIpv6(d))],
    [IPV6_DESTINATION_FILTER, all.filter(isIpv6)],
  ];
  const queries: Filter[][] = [];
  for (const [filterName, values] of byFamily) {
    // The vpc-id filter takes one of the request's filter values.
    for (const chunk of filterValueChunks(values, 1)) {
      queries.push([
        { Name: 'vpc-id', Values: [vpcId] },
        { Name: filterName, Values: chunk },
      ]);
    }
  }
  const pages = await Promise.all(queries.map((filters) => describeAllPages(caller, filters, vpcId, budget)));
  // A table holding destinations from two chunks comes back twice, the same both times.
  const byId = new Map<string, RouteTableObservation>();
  for (const table of pages.flat()) byId.set(table.RouteTableId as string, toRouteTableObservation(table, vpcId));
  return [...byId.values()].sort((a, b) => a.routeTableId.localeCompare(b.routeTableId));
}
