import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRouteCommand, EC2Client } from '@aws-sdk/client-ec2';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Ec2Cloud } from '../src/aws/ec2/ec2-cloud';
import { parseClusterConfig } from '../src/core/config';
import type { ClusterSpec } from '../src/core/model';
import { localClientConfig } from '../src/local/local-credentials';
import { seedDemo, type DemoSeed } from '../src/local/seed-demo';
import { startLocalWorld, type LocalWorld } from '../src/local/world';
import { leftovers } from './local-failover';

/*
 * EC2 calls one observation costs, against moto behind the fault proxy (no DynamoDB): one VPC
 * (the seeded demo's) whose three route tables each hold N protected /32 routes, for growing N.
 * The spec holds N route resources in that VPC and the two demo nodes; the proxy's counters are
 * reset, `Ec2Cloud.observe` runs once, and the counters say what reached EC2, by action.
 * DESIGN target: constant in N (no per-resource or per-route-table Describe).
 */

const SIZES = [1, 10, 100, 200] as const;
/** Route creation through the proxy, this many at a time. */
const CREATE_CONCURRENCY = 8;

interface SizeFigures {
  readonly n: number;
  readonly routeTables: number;
  readonly protectedRoutesSeen: number;
  readonly calls: Record<string, number>;
  readonly totalCalls: number;
  readonly routeTableCalls: number;
  readonly observeMs: number;
}

/** Destination i (0-based): 10.2.0.1/32, 10.2.0.2/32, …; outside the demo VPC's 10.0.0.0/16. */
function destination(i: number): string {
  return `10.2.${Math.floor(i / 250)}.${(i % 250) + 1}/32`;
}

async function inBatches<T>(items: readonly T[], size: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}

function specFor(seed: DemoSeed, count: number): ClusterSpec {
  return parseClusterConfig({
    ...seed.config,
    cluster: 'bench-observe',
    resources: Array.from({ length: count }, (_, i) => ({
      id: `vip-${i + 1}`,
      group: 'bench',
      mode: 'route' as const,
      vpcId: seed.ids.vpcId,
      vpcCidr: '10.0.0.0/16',
      destination: destination(i),
      routeTables: 'all' as const,
      members: [
        { node: 'node1', eni: seed.ids.node1.eniId, priority: 1 },
        { node: 'node2', eni: seed.ids.node2.eniId, priority: 10 },
      ],
    })),
  });
}

export async function runObserveCallsBenchmark(): Promise<void> {
  const startedAt = Date.now();
  let world: LocalWorld | undefined;
  const clients: EC2Client[] = [];
  const workDir = mkdtempSync(join(tmpdir(), 'ec2f-bench-observe-'));
  try {
    world = await startLocalWorld({ withDynamoDb: false, eventSinkPath: join(workDir, 'ec2-events.jsonl') });
    // Setup goes through the proxy too, as any SDK user would; the counters are reset before each observation.
    const setup = new EC2Client({
      ...localClientConfig(world.ec2Endpoint, world.region),
      maxAttempts: 5,
      requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 30_000, throwOnRequestTimeout: true }),
    });
    clients.push(setup);
    const seed = await seedDemo(setup, { region: world.region });

    // Configured as createEc2Client configures the controller's (SDK retries off: Ec2Cloud retries itself).
    const product = new EC2Client({
      ...localClientConfig(world.ec2Endpoint, world.region),
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ connectionTimeout: 10_000, requestTimeout: 10_000, throwOnRequestTimeout: true }),
    });
    clients.push(product);
    const cloud = new Ec2Cloud(product);

    const figures: SizeFigures[] = [];
    let created = 0;
    for (const n of SIZES) {
      // Grow the VPC to exactly n protected destinations, each in all three route tables.
      const work: { table: string; destination: string }[] = [];
      for (let i = created; i < n; i++) for (const table of seed.ids.routeTableIds) work.push({ table, destination: destination(i) });
      await inBatches(work, CREATE_CONCURRENCY, (w) =>
        setup.send(new CreateRouteCommand({ RouteTableId: w.table, DestinationCidrBlock: w.destination, NetworkInterfaceId: seed.ids.node1.eniId })),
      );
      created = n;

      const spec = specFor(seed, n);
      await world.proxyClient.resetCounters();
      const before = Date.now();
      const observation = await cloud.observe(spec);
      const observeMs = Date.now() - before;
      const counters = await world.proxyClient.counters();

      const tables = observation.routeTables[seed.ids.vpcId];
      if (!tables?.ok) throw new Error(`N=${n}: route tables not observed: ${tables ? tables.reason : 'missing'}`);
      if (!observation.instances.ok) throw new Error(`N=${n}: instances not observed: ${observation.instances.reason}`);
      const wanted = new Set(spec.resources.map((r) => (r.mode === 'route' ? r.destination : '')));
      const protectedRoutesSeen = tables.value.reduce((sum, t) => sum + t.routes.filter((r) => wanted.has(r.destination)).length, 0);
      if (protectedRoutesSeen !== 3 * n) throw new Error(`N=${n}: observed ${protectedRoutesSeen} protected routes, expected ${3 * n}`);

      const calls = Object.fromEntries(Object.entries(counters.calls).sort(([a], [b]) => a.localeCompare(b)));
      const totalCalls = Object.values(calls).reduce((a, b) => a + b, 0);
      figures.push({
        n,
        routeTables: tables.value.length,
        protectedRoutesSeen,
        calls,
        totalCalls,
        routeTableCalls: calls.DescribeRouteTables ?? 0,
        observeMs,
      });
    }

    console.log('observe calls (one VPC, 3 route tables each holding every protected /32; spec = N route resources, 2 nodes):');
    for (const f of figures) {
      const perAction = Object.entries(f.calls)
        .map(([action, count]) => `${action} ${count}`)
        .join(', ');
      console.log(
        `  N=${String(f.n).padStart(3)}: ${perAction} (total ${f.totalCalls}); ${f.routeTables} route tables, ${f.protectedRoutesSeen} protected routes seen, observe took ${f.observeMs} ms`,
      );
    }
    const routeCalls = figures.map((f) => f.routeTableCalls);
    const constant = routeCalls.every((c) => c === routeCalls[0]);
    console.log(
      constant
        ? `  DescribeRouteTables calls constant in N (${routeCalls[0]})`
        : `  DescribeRouteTables calls by N: ${figures.map((f) => `${f.n}→${f.routeTableCalls}`).join(', ')} (one call per 199 destinations: vpc-id takes one of the 200 filter values)`,
    );
    console.log(`  target: constant in N (no per-resource or per-route-table Describe)`);

    const result = {
      benchmark: 'observe-calls',
      setup: {
        vpc: 1,
        routeTablesHoldingEachDestination: 3,
        resourcesInSpec: 'N route resources (no EIP), 2 nodes',
        maxFilterValuesPerRequest: 200,
      },
      sizes: figures,
      describeRouteTablesConstantInN: constant,
      target: 'constant in N (no per-resource or per-route-table Describe)',
      totalMs: Date.now() - startedAt,
    };
    const out = join(__dirname, 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'observe-calls.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`written ${join(out, 'observe-calls.json')} (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`);
  } finally {
    for (const client of clients) client.destroy();
    await world?.stop();
    rmSync(workDir, { recursive: true, force: true });
    if (world) {
      const left = leftovers(new Set([world.moto.pid]));
      if (left.length > 0) {
        console.error(`left running after the observe-calls benchmark:\n  ${left.join('\n  ')}`);
        process.exitCode = 1;
      } else {
        console.log('observe-calls cleanup: no moto_server process of ours left (checked with ps)');
      }
    }
  }
}

if (require.main === module) {
  runObserveCallsBenchmark().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
