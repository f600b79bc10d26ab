import { Ec2Cloud } from '../src/aws/ec2/ec2-cloud';
import { parseClusterConfig } from '../src/core/config';
import type { Action } from '../src/core/model';
import { DEFAULT_ACTION_BUCKETS, DEFAULT_CATEGORY_BUCKETS } from '../src/local/ec2-throttling';
import { createRouteTables, createRoutes, createVpc, type Ec2World } from './ec2-world';

/*
 * Repointing R route tables (one ReplaceRoute each, as a failover of a VIP routed in R tables
 * plans it) with the fault proxy's model of EC2's request throttling on, buckets full at the
 * start. The product's EC2 adapter executes the actions; those it reports unknown (throttled
 * past its retries) are executed again, as the next tick would. Beside the time: the lower bound
 * the ReplaceRoute bucket imposes, (R - capacity) / refill rate.
 */

export interface RepointFigures {
  readonly routeTables: number;
  readonly seconds: number;
  readonly lowerBoundSeconds: number;
  readonly rounds: number;
  readonly throttledCalls: number;
}

const bucket = DEFAULT_ACTION_BUCKETS.ReplaceRoute ?? DEFAULT_CATEGORY_BUCKETS.mutating;

export function repointLowerBoundSeconds(routeTables: number): number {
  return Math.max(0, routeTables - bucket.capacity) / bucket.refillPerSecond;
}

function actionsFor(tables: readonly string[], destination: string, eni: string): Action[] {
  return tables.map((routeTableId) => ({
    kind: 'replace-route',
    group: 'bench',
    resource: 'vip',
    epoch: 2,
    reason: 'failover',
    routeTableId,
    destination,
    networkInterfaceId: eni,
  }));
}

async function repointOnce(ec2: Ec2World, tables: readonly string[], destination: string): Promise<RepointFigures> {
  const tunables = parseClusterConfig(ec2.seed.config).defaults.tunables;
  const cloud = new Ec2Cloud(ec2.product);
  let pending = actionsFor(tables, destination, ec2.seed.ids.node2.eniId);
  await ec2.world.proxyClient.setThrottling({ enabled: true });
  await ec2.world.proxyClient.resetCounters();
  const t0 = Date.now();
  let rounds = 0;
  for (; pending.length > 0 && rounds < 100; rounds++) {
    const outcomes = await cloud.execute(pending, tunables);
    pending = pending.filter((_, i) => outcomes[i]!.result !== 'ok');
  }
  const seconds = (Date.now() - t0) / 1000;
  const throttledCalls = Object.values((await ec2.world.proxyClient.counters()).throttled).reduce((a, b) => a + b, 0);
  await ec2.world.proxyClient.setThrottling({ enabled: false });
  if (pending.length > 0) throw new Error(`${pending.length} of ${tables.length} routes not repointed after ${rounds} rounds`);
  return { routeTables: tables.length, seconds: Math.round(seconds * 100) / 100, lowerBoundSeconds: repointLowerBoundSeconds(tables.length), rounds, throttledCalls };
}

export async function repointThrottled(ec2: Ec2World, sizes: readonly number[], say: (line: string) => void): Promise<RepointFigures[]> {
  const vpcId = await createVpc(ec2.setup, '10.30.0.0/16');
  const tables = await createRouteTables(ec2.setup, vpcId, Math.max(...sizes));
  const figures: RepointFigures[] = [];
  for (const [i, size] of sizes.entries()) {
    const destination = `10.3.0.${i + 1}/32`;
    await createRoutes(ec2.setup, tables.slice(0, size).map((table) => ({ table, destination })), ec2.seed.ids.node1.eniId);
    figures.push(await repointOnce(ec2, tables.slice(0, size), destination));
    const f = figures.at(-1)!;
    say(`  repoint ${size} route tables, throttled: ${f.seconds} s (lower bound ${f.lowerBoundSeconds} s, ${f.rounds} round(s), ${f.throttledCalls} throttled calls)`);
  }
  return figures;
}
