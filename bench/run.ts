import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimWorld } from '../src/sim/sim-world';
import { clusterSpec } from '../test/fixtures/specs';
import { runLocalFailoverBenchmark } from './local-failover';
import { runObserveCallsBenchmark } from './observe-calls';

/*
 * Failover time at default settings (heartbeat 1 s, 3 missed, judged every 1 s) in the
 * in-memory world: node1 crashes at a random moment relative to the heartbeat and tick
 * schedule; we measure crash → every route and the EIP on node2. EC2 and DynamoDB latency
 * are not in this figure (the local-world process tests bound those separately).
 */

const RUNS = Number(process.env.BENCH_RUNS ?? 500);
const STEP_MS = 10;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function failoverOnce(random: () => number): Promise<number> {
  const world = new SimWorld(clusterSpec());
  await world.run(3 + random(), STEP_MS);
  const crashAt = world.clock.now();
  world.crash('node1');
  while (!world.trafficOn('app', 'node2')) await world.run(STEP_MS / 1000, STEP_MS);
  return world.clock.now() - crashAt;
}

async function main(): Promise<void> {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await failoverOnce(random));
  times.sort((a, b) => a - b);
  const figures = {
    benchmark: 'failover-detection-sim',
    settings: { heartbeatIntervalSeconds: 1, missedBeats: 3, checkIntervalSeconds: 1 },
    runs: RUNS,
    p50Ms: percentile(times, 50),
    p99Ms: percentile(times, 99),
    minMs: times[0],
    maxMs: times[times.length - 1],
    targets: { p50Ms: 4000, p99Ms: 6000 },
  };
  console.log(`failover (sim, defaults): p50 ${figures.p50Ms} ms, p99 ${figures.p99Ms} ms, min ${figures.minMs} ms, max ${figures.maxMs} ms over ${RUNS} crashes`);
  const out = join(__dirname, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'failover-sim.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`written ${join(out, 'failover-sim.json')}`);
}

async function all(): Promise<void> {
  const startedAt = Date.now();
  await main();
  await runLocalFailoverBenchmark();
  await runObserveCallsBenchmark();
  console.log(`all benchmarks done in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
}

all().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
