import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalCluster, type LocalCluster } from '../src/local/start/local-cluster';
import { DEFAULT_PROFILE, FAST_PROFILE, type TimingProfile } from '../src/local/start/timing-profile';
import { parseBenchFlags, type BenchFlags } from './bench-flags';
import type { BenchResults } from './bench-results';
import { distributionSvg } from './distribution-svg';
import { startEc2World } from './ec2-world';
import { failoverTrials } from './failover-trials';
import { lambdaBundles } from './lambda-bundles';
import { observeCost } from './observe-cost';
import { footprint, runFigures, sampleProcess } from './reconciler-footprint';
import { repointThrottled } from './repoint-throttled';
import { resultsTable } from './results-table';
import { distribution } from './stats';
import { switchoverTrials } from './switchover-trials';

/*
 * `npm run bench`: what operators ask, measured on this machine with the real product in the
 * local world. Writes bench/results.json and bench/failover-distribution.svg (or into --out).
 * Everything it starts is stopped at the end, on failure, and on Ctrl-C.
 */

const startedAt = Date.now();
const say = (line: string) => process.stdout.write(`[${((Date.now() - startedAt) / 1000).toFixed(0).padStart(5)} s] ${line}\n`);
/** How many steady runs the footprint part wakes, and how far apart. */
const STEADY_RUNS = 20;
const STEADY_RUN_GAP_MS = 3_000;
let stopCurrent: (() => Promise<void>) | undefined;

function seededRandom(seed: number): () => number {
  let state = seed;
  return () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

async function withCluster<T>(dir: string, profile: TimingProfile, work: (cluster: LocalCluster) => Promise<T>): Promise<T> {
  // Scheduled runs a minute apart, as deployed: failovers are the wakes' doing, not a run that happened to be due.
  const cluster = await startLocalCluster({ dir: mkdtempSync(join(dir, `${profile.name}-`)), profile, say, scheduleSeconds: 60 });
  stopCurrent = () => cluster.stop();
  try {
    await cluster.state.readStatuses();
    return await work(cluster);
  } finally {
    stopCurrent = undefined;
    await cluster.stop();
  }
}

async function defaultsPart(flags: BenchFlags, dir: string, results: BenchResults): Promise<void> {
  const random = seededRandom(7);
  await withCluster(dir, DEFAULT_PROFILE, async (cluster) => {
    const { switchBack } = await import('./switch-back');
    await switchBack(cluster, 'node1');
    if (flags.parts.includes('footprint')) {
      say(`reconciler footprint: ${STEADY_RUNS} runs of a steady cluster, woken ${STEADY_RUN_GAP_MS / 1000} s apart; the controller's memory, CPU and run lengths`);
      await new Promise((resolve) => setTimeout(resolve, STEADY_RUN_GAP_MS));
      const from = cluster.runs.length;
      const first = sampleProcess(cluster.controller!.pid);
      for (let i = 0; i < STEADY_RUNS; i++) {
        await cluster.wake('bench');
        await new Promise((resolve) => setTimeout(resolve, STEADY_RUN_GAP_MS));
      }
      const last = sampleProcess(cluster.controller!.pid);
      const runs = cluster.runs.slice(from);
      if (first && last) (results.reconcilerFootprint ??= {}).steady = footprint(first, last, runs.reduce((n, run) => n + run.ticks, 0));
      results.steadyRuns = runFigures(runs);
    }
    if (flags.parts.includes('failover')) {
      const fromRun = cluster.runs.length;
      const first = sampleProcess(cluster.controller!.pid);
      say(`failover at defaults: ${flags.heartbeatTrials} crashes, ${flags.stopTrials} instance stops, ${flags.leaveTrials} graceful leaves`);
      results.failover.heartbeat = distribution(await failoverTrials(cluster, 'crash', flags.heartbeatTrials, random, say));
      results.failover.instanceStop = distribution(await failoverTrials(cluster, 'stop', flags.stopTrials, random, say));
      results.failover.gracefulLeave = distribution(await failoverTrials(cluster, 'leave', flags.leaveTrials, random, say));
      const last = sampleProcess(cluster.controller!.pid);
      const ticks = cluster.runs.slice(fromRun).reduce((n, run) => n + run.ticks, 0);
      if (flags.parts.includes('footprint') && first && last) (results.reconcilerFootprint ??= {}).underFailovers = footprint(first, last, ticks);
    }
    if (flags.parts.includes('switchover')) {
      say(`planned switchover of a group in 20 route tables: ${flags.switchoverTrials} trials`);
      results.switchover20 = distribution(await switchoverTrials(cluster, flags.switchoverTrials, say));
    }
  });
}

async function fastPart(flags: BenchFlags, dir: string, results: BenchResults): Promise<void> {
  await withCluster(dir, FAST_PROFILE, async (cluster) => {
    const { switchBack } = await import('./switch-back');
    await switchBack(cluster, 'node1');
    say(`failover at the fast profile: ${flags.fastTrials} crashes`);
    results.failover.fastProfile = distribution(await failoverTrials(cluster, 'crash', flags.fastTrials, seededRandom(11), say));
  });
}

async function ec2Part(flags: BenchFlags, results: BenchResults): Promise<void> {
  say('EC2-only world for the observe cost and the throttled repoint…');
  const ec2 = await startEc2World();
  stopCurrent = () => ec2.stop();
  try {
    if (flags.parts.includes('observe')) results.observe = await observeCost(ec2, say);
    if (flags.parts.includes('repoint')) results.repoint = await repointThrottled(ec2, flags.repointSizes, say);
  } finally {
    stopCurrent = undefined;
    await ec2.stop();
  }
}

function writeResults(results: BenchResults, outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const f = results.failover;
  const series = [
    { label: 'crash, defaults', colour: '#c0392b', distribution: f.heartbeat },
    { label: 'instance stop event', colour: '#2874a6', distribution: f.instanceStop },
    { label: 'graceful leave', colour: '#239b56', distribution: f.gracefulLeave },
    { label: 'crash, fast profile', colour: '#b9770e', distribution: f.fastProfile },
  ].filter((s): s is typeof s & { distribution: NonNullable<typeof s.distribution> } => s.distribution !== undefined);
  if (series.length > 0) writeFileSync(join(outDir, 'failover-distribution.svg'), distributionSvg('Failover time: fault → every route and the EIP on the standby (read from EC2)', series));
  say(`written ${join(outDir, 'results.json')}${series.length > 0 ? ` and ${join(outDir, 'failover-distribution.svg')}` : ''}`);
}

async function main(): Promise<void> {
  const flags = parseBenchFlags(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'ec2f-bench-'));
  const results: BenchResults = {
    machine: { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', loadAverage: loadavg().map((l) => Math.round(l * 100) / 100) },
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    startedAt: new Date(startedAt).toISOString(),
    totalSeconds: 0,
    failover: {},
    observe: [],
    repoint: [],
    bundles: [],
  };
  try {
    if (flags.parts.some((part) => part === 'failover' || part === 'switchover' || part === 'footprint')) await defaultsPart(flags, dir, results);
    if (flags.parts.includes('fast')) await fastPart(flags, dir, results);
    if (flags.parts.includes('observe') || flags.parts.includes('repoint')) await ec2Part(flags, results);
    if (flags.parts.includes('bundles')) results.bundles = await lambdaBundles(join(dir, 'bundles'), say);
    results.totalSeconds = Math.round((Date.now() - startedAt) / 1000);
    process.stdout.write(`\n${resultsTable(results)}\n\n`);
    writeResults(results, flags.outDir ?? __dirname);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    say(`${signal}: stopping…`);
    void (stopCurrent?.() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    // The exit hook of process-group.ts takes down whatever is still running.
    process.exit(1);
  },
);
