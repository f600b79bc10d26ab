import { DescribeAddressesCommand, DescribeRouteTablesCommand, type EC2Client } from '@aws-sdk/client-ec2';

/*
 * Where traffic goes, read from EC2 itself (moto, not the product): the target ENI of every
 * route to the protected destination in the VPC, and the ENI the Elastic IP is on. Waiting polls
 * every 50 ms, so a measured time is at most 50 ms (plus one read) late.
 */

export const POLL_MS = 50;

export interface TrafficTarget {
  readonly vpcId: string;
  readonly destination: string;
  readonly allocationId: string;
  /** How many route tables hold the destination. */
  readonly routeTables: number;
}

export interface TrafficView {
  /** Target ENI per route to the destination (the state when it has no ENI). */
  readonly routes: readonly string[];
  readonly eipEni: string | undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function readTraffic(ec2: EC2Client, target: TrafficTarget): Promise<TrafficView> {
  const [{ RouteTables }, { Addresses }] = await Promise.all([
    ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [target.vpcId] }] })),
    ec2.send(new DescribeAddressesCommand({ AllocationIds: [target.allocationId] })),
  ]);
  const routes = (RouteTables ?? [])
    .flatMap((table) => table.Routes ?? [])
    .filter((route) => route.DestinationCidrBlock === target.destination)
    .map((route) => route.NetworkInterfaceId ?? route.State ?? '?');
  return { routes, eipEni: Addresses?.[0]?.NetworkInterfaceId };
}

export function allOn(view: TrafficView, target: TrafficTarget, eni: string): boolean {
  return view.routes.length === target.routeTables && view.routes.every((routeEni) => routeEni === eni) && view.eipEni === eni;
}

/** Milliseconds from `since` to the first read that shows every route and the EIP on `eni`. */
export async function waitForTraffic(ec2: EC2Client, target: TrafficTarget, eni: string, since: number, timeoutMs: number): Promise<number> {
  for (;;) {
    const view = await readTraffic(ec2, target);
    if (allOn(view, target, eni)) return Date.now() - since;
    if (Date.now() - since > timeoutMs) {
      throw new Error(`traffic not on ${eni} within ${timeoutMs} ms: routes ${view.routes.join(', ')}, EIP on ${view.eipEni ?? 'nothing'}`);
    }
    await sleep(POLL_MS);
  }
}
