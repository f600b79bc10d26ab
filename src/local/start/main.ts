import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { runDemo } from '../../cli/demo-command';
import { keepBanner } from './keep-banner';
import { startLocalCluster, type LocalCluster } from './local-cluster';
import { missingPrerequisites } from './prerequisites';
import { parseStartFlags, START_USAGE, type StartFlags } from './start-flags';
import { startStatusTicker } from './status-ticker';
import { runStory, storyTable } from './story';
import { DEFAULT_PROFILE, FAST_PROFILE } from './timing-profile';

/*
 * `npm start`: the real product on this machine, a scripted story, and a table of what it
 * measured. Everything it starts is stopped at the end, on failure, and on Ctrl-C or SIGTERM
 * (with --keep, only then).
 */

const startedAt = Date.now();
const say = (line: string) => process.stdout.write(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(6)} s] ${line}\n`);

function waitForStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

async function offerSimulation(): Promise<number> {
  const problems = missingPrerequisites();
  if (problems.length === 0) return -1;
  process.stderr.write('npm start runs the real product against a local AWS world, which needs:\n');
  for (const problem of problems) process.stderr.write(`  ${problem.what}: ${problem.install}\n`);
  process.stderr.write('Without them, the in-memory simulation tells the same story on a simulated clock: npm run demo:sim\n');
  if (!process.stdin.isTTY) return 1;
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await prompt.question('Run the simulation now? [Y/n] ');
  prompt.close();
  if (/^n/i.test(answer.trim())) return 1;
  return runDemo({ stdout: process.stdout, stderr: process.stderr });
}

async function tellStory(cluster: LocalCluster, flags: StartFlags): Promise<void> {
  const profile = flags.fast ? FAST_PROFILE : DEFAULT_PROFILE;
  const stopTicker = startStatusTicker(cluster, say);
  try {
    const times = await runStory(cluster, profile, say);
    await stopTicker();
    process.stdout.write(`\n${storyTable(times, profile)}\n`);
  } finally {
    await stopTicker();
  }
}

async function run(flags: StartFlags, stop: Promise<NodeJS.Signals>, dir: string): Promise<number> {
  const profile = flags.fast ? FAST_PROFILE : DEFAULT_PROFILE;
  const cluster = await Promise.race([startLocalCluster({ dir, profile, say }), stop.then((signal) => Promise.reject(new Error(`${signal} while starting`)))]);
  try {
    const stopped = await Promise.race([tellStory(cluster, flags).then(() => undefined), stop]);
    if (stopped !== undefined) {
      say(`${stopped}: stopping…`);
      return 130;
    }
    if (flags.keep) {
      process.stdout.write(keepBanner(cluster));
      say(`${await stop}: stopping…`);
    }
    return 0;
  } finally {
    await cluster.stop();
    say('stopped: controller, agents, DynamoDB Local, moto and the fault proxy');
  }
}

async function main(): Promise<number> {
  const flags = parseStartFlags(process.argv.slice(2));
  if (flags.help) {
    process.stdout.write(START_USAGE);
    return 0;
  }
  const simulated = await offerSimulation();
  if (simulated >= 0) return simulated;
  const dir = mkdtempSync(join(tmpdir(), 'ec2f-start-'));
  try {
    return await run(flags, waitForStopSignal(), dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`npm start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    // The exit hook of process-group.ts takes down whatever is still running.
    process.exit(1);
  },
);
