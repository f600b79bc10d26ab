import { AssociateRouteTableCommand, CreateRouteCommand, CreateRouteTableCommand, CreateSubnetCommand } from '@aws-sdk/client-ec2';
import type { LocalCluster, NodeName } from '../src/local/start/local-cluster';
import { runSwitchover } from '../src/local/start/story-steps';
import { waitForTraffic, type TrafficTarget } from '../src/local/start/traffic-view';

/*
 * A planned switchover of a group whose virtual IP sits in 20 route tables: the demo's 3 plus 17
 * more (each serving a subnet of its own) routed to the owner. Timed from the moment the operator
 * runs `ec2-failover switchover --group demo --to <node> --wait` to the moment EC2 shows the last
 * route and the Elastic IP on that node; the trials alternate between the nodes.
 */

export const SWITCHOVER_ROUTE_TABLES = 20;
const TIMEOUT_MS = 60_000;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function growToTwentyTables(cluster: LocalCluster, owner: NodeName): Promise<TrafficTarget> {
  const more = SWITCHOVER_ROUTE_TABLES - cluster.seed.ids.routeTableIds.length;
  const vpcId = cluster.seed.ids.vpcId;
  for (let i = 0; i < more; i++) {
    const { RouteTable } = await cluster.moto.send(new CreateRouteTableCommand({ VpcId: vpcId }));
    const { Subnet } = await cluster.moto.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.0.${100 + i}.0/24` }));
    await cluster.moto.send(new AssociateRouteTableCommand({ RouteTableId: RouteTable!.RouteTableId!, SubnetId: Subnet!.SubnetId! }));
    await cluster.moto.send(
      new CreateRouteCommand({ RouteTableId: RouteTable!.RouteTableId!, DestinationCidrBlock: cluster.target.destination, NetworkInterfaceId: cluster.eniOf(owner) }),
    );
  }
  return { ...cluster.target, routeTables: SWITCHOVER_ROUTE_TABLES };
}

export async function switchoverTrials(cluster: LocalCluster, trials: number, say: (line: string) => void): Promise<number[]> {
  const target = await growToTwentyTables(cluster, 'node1');
  await waitForTraffic(cluster.moto, target, cluster.eniOf('node1'), Date.now(), TIMEOUT_MS);
  const samples: number[] = [];
  for (let trial = 1; trial <= trials; trial++) {
    const to: NodeName = trial % 2 === 1 ? 'node2' : 'node1';
    await sleep(1000);
    const t0 = Date.now();
    const moved = waitForTraffic(cluster.moto, target, cluster.eniOf(to), t0, TIMEOUT_MS);
    moved.catch(() => undefined);
    const attempts = await runSwitchover(cluster, to);
    samples.push(await moved);
    const refused = attempts > 1 ? `, after ${attempts - 1} refusal(s)` : '';
    say(`  switchover of 20 route tables ${trial}/${trials} (to ${to}): ${(samples.at(-1)! / 1000).toFixed(2)} s${refused}`);
  }
  return samples;
}
