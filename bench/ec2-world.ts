import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRouteCommand, CreateRouteTableCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { localClientConfig } from '../src/local/local-credentials';
import { seedDemo, type DemoSeed } from '../src/local/seed-demo';
import { startLocalWorld, type LocalWorld } from '../src/local/world';

/*
 * An EC2-only local world (moto behind the fault proxy, no DynamoDB) seeded with the demo, for
 * the benchmarks that drive the product's EC2 adapter directly. Setup calls go straight to moto;
 * the product's calls go through the proxy, which counts and throttles them.
 */

export interface Ec2World {
  readonly world: LocalWorld;
  readonly seed: DemoSeed;
  /** Straight to moto, for building the network. */
  readonly setup: EC2Client;
  /** Through the proxy, configured as the controller's (SDK retries off: the adapter retries itself). */
  readonly product: EC2Client;
  stop(): Promise<void>;
}

const SETUP_CONCURRENCY = 8;

export async function inBatches<T>(items: readonly T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(SETUP_CONCURRENCY, items.length) }, worker));
}

export async function startEc2World(): Promise<Ec2World> {
  const dir = mkdtempSync(join(tmpdir(), 'ec2f-bench-ec2-'));
  const world = await startLocalWorld({ withDynamoDb: false, eventSinkPath: join(dir, 'ec2-events.jsonl') });
  const http = (timeoutMs: number) => new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: timeoutMs, throwOnRequestTimeout: true });
  const setup = new EC2Client({ ...localClientConfig(world.motoEndpoint, world.region), maxAttempts: 5, requestHandler: http(60_000) });
  const product = new EC2Client({ ...localClientConfig(world.ec2Endpoint, world.region), maxAttempts: 1, requestHandler: http(10_000) });
  const stop = async () => {
    setup.destroy();
    product.destroy();
    await world.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const seed = await seedDemo(setup, { region: world.region });
    return { world, seed, setup, product, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export async function createVpc(ec2: EC2Client, cidr: string): Promise<string> {
  return (await ec2.send(new CreateVpcCommand({ CidrBlock: cidr }))).Vpc!.VpcId!;
}

export async function createRouteTables(ec2: EC2Client, vpcId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  await inBatches(Array.from({ length: count }, (_, i) => i), async () => {
    ids.push((await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!);
  });
  return ids.sort();
}

export async function createRoutes(ec2: EC2Client, routes: ReadonlyArray<{ table: string; destination: string }>, eni: string): Promise<void> {
  await inBatches(routes, (route) => ec2.send(new CreateRouteCommand({ RouteTableId: route.table, DestinationCidrBlock: route.destination, NetworkInterfaceId: eni })));
}
