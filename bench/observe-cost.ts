import { Ec2Cloud } from '../src/aws/ec2/ec2-cloud';
import { parseClusterConfig } from '../src/core/config';
import type { ClusterSpec } from '../src/core/model';
import { createRouteTables, createRoutes, createVpc, type Ec2World } from './ec2-world';
import { median } from './stats';

/*
 * What one tick's observation costs: EC2 calls (counted by the fault proxy) and wall time
 * (median of 5) for 1, 10 and 40 protected routes in one VPC of 200 route tables, and for 400
 * over 10 VPCs of 20 route tables. Each destination is routed in 20 of the big VPC's tables, or
 * in 2 of its small VPC's.
 */

export interface ObserveFigures {
  readonly resources: number;
  readonly vpcs: number;
  readonly routeTables: number;
  readonly ec2Calls: number;
  readonly callsByAction: Record<string, number>;
  readonly wallMs: number;
}

interface Placement {
  readonly vpcId: string;
  readonly vpcCidr: string;
  readonly destination: string;
  readonly tables: readonly string[];
}

/** Destination i: 10.2.0.1/32, 10.2.0.2/32, …; outside every VPC here. */
const destination = (i: number) => `10.2.${Math.floor(i / 250)}.${(i % 250) + 1}/32`;

function specFor(ec2: Ec2World, placements: readonly Placement[]): ClusterSpec {
  const ids = ec2.seed.ids;
  return parseClusterConfig({
    ...ec2.seed.config,
    cluster: 'bench-observe',
    resources: placements.map((p, i) => ({
      id: `vip-${i + 1}`,
      group: 'bench',
      mode: 'route' as const,
      vpcId: p.vpcId,
      vpcCidr: p.vpcCidr,
      destination: p.destination,
      routeTables: 'all' as const,
      members: [
        { node: 'node1', eni: ids.node1.eniId, priority: 1 },
        { node: 'node2', eni: ids.node2.eniId, priority: 10 },
      ],
    })),
  });
}

async function measure(ec2: Ec2World, placements: readonly Placement[], routeTables: number): Promise<ObserveFigures> {
  const cloud = new Ec2Cloud(ec2.product);
  const spec = specFor(ec2, placements);
  await ec2.world.proxyClient.resetCounters();
  const times: number[] = [];
  for (let run = 0; run < 5; run++) {
    const before = Date.now();
    const observation = await cloud.observe(spec);
    times.push(Date.now() - before);
    const failed = Object.entries(observation.routeTables).filter(([, tables]) => !tables.ok);
    if (failed.length > 0) throw new Error(`observation of ${placements.length} resources failed: ${JSON.stringify(failed)}`);
  }
  const calls = (await ec2.world.proxyClient.counters()).calls;
  const perRun = Object.fromEntries(Object.entries(calls).map(([action, count]) => [action, count / 5]));
  const vpcs = new Set(placements.map((p) => p.vpcId)).size;
  return { resources: placements.length, vpcs, routeTables, ec2Calls: Object.values(perRun).reduce((a, b) => a + b, 0), callsByAction: perRun, wallMs: median(times) };
}

async function place(ec2: Ec2World, vpcId: string, vpcCidr: string, tables: readonly string[], first: number, count: number, perDestination: number): Promise<Placement[]> {
  const placements = Array.from({ length: count }, (_, k) => ({
    vpcId,
    vpcCidr,
    destination: destination(first + k),
    tables: Array.from({ length: perDestination }, (_, j) => tables[(k + j * Math.floor(tables.length / perDestination)) % tables.length]!),
  }));
  await createRoutes(ec2.setup, placements.flatMap((p) => p.tables.map((table) => ({ table, destination: p.destination }))), ec2.seed.ids.node1.eniId);
  return placements;
}

export async function observeCost(ec2: Ec2World, say: (line: string) => void): Promise<ObserveFigures[]> {
  const figures: ObserveFigures[] = [];
  const demoVpc = ec2.seed.ids.vpcId;
  const tables = [...ec2.seed.ids.routeTableIds, ...(await createRouteTables(ec2.setup, demoVpc, 200 - ec2.seed.ids.routeTableIds.length))];
  const placed: Placement[] = [];
  for (const n of [1, 10, 40]) {
    placed.push(...(await place(ec2, demoVpc, '10.0.0.0/16', tables, placed.length, n - placed.length, 20)));
    figures.push(await measure(ec2, placed, 200));
    say(`  observe ${n} resource(s), 1 VPC, 200 route tables: ${figures.at(-1)!.ec2Calls} EC2 calls, ${figures.at(-1)!.wallMs} ms`);
  }
  const spread: Placement[] = [];
  for (let v = 0; v < 10; v++) {
    const cidr = `10.${10 + v}.0.0/16`;
    const vpcId = await createVpc(ec2.setup, cidr);
    spread.push(...(await place(ec2, vpcId, cidr, await createRouteTables(ec2.setup, vpcId, 20), 1000 + 40 * v, 40, 2)));
  }
  figures.push(await measure(ec2, spread, 200));
  say(`  observe 400 resources, 10 VPCs, 200 route tables: ${figures.at(-1)!.ec2Calls} EC2 calls, ${figures.at(-1)!.wallMs} ms`);
  return figures;
}
