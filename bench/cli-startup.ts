import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRouteTableCommand, CreateRouteCommand, EC2Client } from '@aws-sdk/client-ec2';
import { parse } from 'yaml';
import { buildCli, CLI_BUILD_DIR, CLI_ENTRY } from '../src/cli/build';
import { localClientConfig } from '../src/local/local-credentials';

/*
 * How fast the operator CLI starts, against the local world as the README sets it up:
 * `ec2-failover local up --seed demo` (moto behind the fault proxy, DynamoDB Local, an IMDS
 * stand-in per node), `apply`, 17 more route tables holding the virtual IP (20 in all), a
 * `controller` ticking every second and the two agents `local up` prints. Each command is started
 * as an operator starts it, `node bin/ec2-failover.js …` (the build, rebuilt first if stale), and
 * timed wall-clock from spawn to exit, with its CPU time (user + sys) when /usr/bin/time exists:
 *
 *   node -e 0, --help, history, status        BENCH_CLI_RUNS rounds (default 10), interleaved
 *   switchover (no --wait)                    BENCH_SWITCHOVER_RUNS (default 6), alternating node2/node1,
 *                                             each run after the previous request was carried out
 *   switchover --wait                         as many runs: from the command to its exit, which is
 *                                             when it has seen every route and the Elastic IP moved
 *
 * Prints median and max and writes bench/results/cli-startup.json. Every process it starts runs
 * in a process group of its own and is stopped at the end, on failure and on Ctrl-C.
 * BENCH_CLI_BASELINE=path/to/entry also measures another build of the CLI (an earlier release's
 * dist/cli entry, say), each of its runs right after the same run of this one, so that both see
 * the same load; its figures are recorded under `baseline`.
 */

// The SDK's notice that its 2027 releases need Node 22 would land in the figures' output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const REPO_ROOT = join(__dirname, '..');
const BIN = join(REPO_ROOT, 'bin', 'ec2-failover.js');
const CLI = BIN;
const BASELINE = process.env.BENCH_CLI_BASELINE;
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 10);
const SWITCHOVER_RUNS = Number(process.env.BENCH_SWITCHOVER_RUNS ?? 6);
const EXTRA_ROUTE_TABLES = 17;
const TARGETS_MS = { help: 300, history: 600, switchover: 600, status: 1000, 'switchover --wait': 1900 } as const;
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---- processes: each in a group of its own, all stopped at the end ----

const groups = new Map<number, { label: string; child: ChildProcess; exited: Promise<void> }>();

function startGroup(label: string, args: readonly string[], env: NodeJS.ProcessEnv): { output: string[]; exited: Promise<void>; running(): boolean } {
  const child = spawn(process.execPath, [...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const output: string[] = [];
  const take = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n'));
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  groups.set(child.pid!, { label, child, exited });
  void exited.then(() => groups.delete(child.pid!));
  return { output, exited, running: () => child.exitCode === null && child.signalCode === null };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGINT first (local up stops moto and DynamoDB Local it started in groups of their own), then SIGKILL. */
async function stopAll(): Promise<void> {
  const running = [...groups.entries()];
  for (const [pid] of running) signalGroup(pid, 'SIGINT');
  await Promise.race([Promise.all(running.map(([, g]) => g.exited)), sleep(15_000)]);
  for (const [pid] of groups) signalGroup(pid, 'SIGKILL');
}

function killAllSync(): void {
  for (const [pid] of groups) signalGroup(pid, 'SIGKILL');
}

// ---- one CLI run ----

interface Run {
  readonly wallMs: number;
  readonly cpuMs: number | undefined;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runCli(args: readonly string[], env: NodeJS.ProcessEnv, entry = CLI): Promise<Run> {
  const command = TIME ? [TIME, '-f', 'EC2F-BENCH-CPU %U %S', process.execPath, entry, ...args] : [process.execPath, entry, ...args];
  return timed(command, env);
}

function timed(command: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command[0]!, command.slice(1), { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const cpu = /EC2F-BENCH-CPU ([\d.]+) ([\d.]+)/.exec(stderr);
      resolve({ wallMs, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : undefined, code, stdout, stderr: stderr.replace(/EC2F-BENCH-CPU .*\n?/, '') });
    });
  });
}

function mustSucceed(what: string, run: Run): Run {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}:\n${run.stdout}${run.stderr}`);
  return run;
}

// ---- figures ----

interface Figures {
  readonly runs: number;
  readonly medianMs: number;
  readonly maxMs: number;
  readonly minMs: number;
  readonly cpuMedianMs?: number | undefined;
  readonly targetMs?: number | undefined;
  readonly samplesMs: readonly number[];
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function figuresOf(runs: readonly Run[], targetMs?: number): Figures {
  const walls = runs.map((r) => Math.round(r.wallMs));
  const cpus = runs.flatMap((r) => (r.cpuMs === undefined ? [] : [r.cpuMs]));
  return {
    runs: runs.length,
    medianMs: median(walls),
    maxMs: Math.max(...walls),
    minMs: Math.min(...walls),
    cpuMedianMs: cpus.length > 0 ? Math.round(median(cpus)) : undefined,
    targetMs,
    samplesMs: walls,
  };
}

function print(name: string, f: Figures): void {
  const cpu = f.cpuMedianMs === undefined ? '' : `, CPU median ${(f.cpuMedianMs / 1000).toFixed(2)} s`;
  const target = f.targetMs === undefined ? '' : `  (target ≤ ${(f.targetMs / 1000).toFixed(1)} s: ${f.medianMs <= f.targetMs ? 'met' : 'NOT met'} at the median)`;
  console.log(`  ${name.padEnd(20)} median ${(f.medianMs / 1000).toFixed(2)} s, max ${(f.maxMs / 1000).toFixed(2)} s, min ${(f.minMs / 1000).toFixed(2)} s${cpu}${target}`);
}

// ---- the local world ----

interface World {
  readonly env: NodeJS.ProcessEnv;
  readonly configPath: string;
  readonly agentArgs: readonly string[][];
}

/** Starts `local up --seed demo` and reads the exports and agent command lines it prints. */
async function startWorld(workDir: string): Promise<World> {
  const configPath = join(workDir, 'local-demo.yaml');
  const up = startGroup('local up', [BIN, 'local', 'up', '--seed', 'demo', '--config-out', configPath], process.env);
  const deadline = Date.now() + 120_000;
  while (!up.output.some((line) => line.startsWith('Press Ctrl-C'))) {
    if (!up.running() || Date.now() > deadline) throw new Error(`local up did not come up:\n${up.output.join('\n')}`);
    await sleep(100);
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const line of up.output.filter((l) => l.startsWith('export '))) {
    for (const [, name, value] of line.slice('export '.length).matchAll(/(\w+)=(\S+)/g)) env[name!] = value!;
  }
  const agentArgs = up.output.filter((l) => /^\s+ec2-failover agent /.test(l)).map((l) => l.trim().split(/\s+/).slice(1));
  return { env, configPath, agentArgs };
}

/** 17 more route tables in the demo VPC, each routing the virtual IP to node1 (who owns it first). */
async function addRouteTables(world: World): Promise<void> {
  const config = parse(readFileSync(world.configPath, 'utf8'));
  const vip = config.resources.find((r: { mode: string }) => r.mode === 'route');
  const eni = vip.members.find((m: { node: string }) => m.node === 'node1').eni as string;
  const ec2 = new EC2Client(localClientConfig(world.env.AWS_ENDPOINT_URL_EC2!, world.env.AWS_REGION!));
  try {
    for (let i = 0; i < EXTRA_ROUTE_TABLES; i++) {
      const { RouteTable } = await ec2.send(new CreateRouteTableCommand({ VpcId: vip.vpcId }));
      await ec2.send(new CreateRouteCommand({ RouteTableId: RouteTable!.RouteTableId, DestinationCidrBlock: vip.destination, NetworkInterfaceId: eni }));
    }
  } finally {
    ec2.destroy();
  }
}

interface GroupState {
  readonly owner: string | null;
  readonly serving: string;
  readonly pending: boolean;
  readonly healthy: number;
}

async function groupState(world: World): Promise<GroupState> {
  const run = mustSucceed('status --json', await runCli(['status', '--config', world.configPath, '--json'], world.env, BIN));
  const view = JSON.parse(run.stdout);
  const group = view.groups.find((g: { group: string }) => g.group === 'demo');
  const healthy = view.nodes.filter((n: { verdict?: { state: string } }) => n.verdict?.state === 'healthy').length;
  return { owner: group.owner ?? null, serving: group.serving, pending: group.pendingRequest !== undefined, healthy };
}

/** Until the demo group serves from `owner` (or anyone) with both nodes judged healthy and no request pending. */
async function settled(world: World, owner?: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const state = await groupState(world);
    if (state.serving === 'yes' && state.healthy === 2 && !state.pending && (owner === undefined || state.owner === owner)) return;
    if (Date.now() > deadline) throw new Error(`the demo group did not settle${owner ? ` on ${owner}` : ''}: ${JSON.stringify(state)}`);
    await sleep(300);
  }
}

// ---- the benchmark ----

function buildIsFresh(): boolean {
  try {
    const builtAt = statSync(join(CLI_BUILD_DIR, CLI_ENTRY)).mtimeMs;
    const inputs = JSON.parse(readFileSync(join(CLI_BUILD_DIR, 'inputs.json'), 'utf8')) as string[];
    return inputs.every((input) => statSync(join(REPO_ROOT, input)).mtimeMs <= builtAt);
  } catch {
    return false;
  }
}

type Measured = Record<string, Figures>;

async function startupRuns(world: World, entries: readonly string[]): Promise<Measured[]> {
  const c = world.configPath;
  const commands: Record<string, readonly string[] | 'bare'> = { 'node -e 0': 'bare', help: ['--help'], history: ['history', '--config', c], status: ['status', '--config', c] };
  const runs = entries.map((): Record<string, Run[]> => ({}));
  const bare = () => timed(TIME ? [TIME, '-f', 'EC2F-BENCH-CPU %U %S', process.execPath, '-e', '0'] : [process.execPath, '-e', '0'], world.env);
  // Two warm-up rounds: the first run of each command writes its code cache.
  for (let round = -2; round < RUNS; round++) {
    for (const [name, args] of Object.entries(commands)) {
      for (const [i, entry] of entries.entries()) {
        const run = mustSucceed(name, await (args === 'bare' ? bare() : runCli(args, world.env, entry)));
        if (round >= 0) (runs[i]![name] ??= []).push(run);
      }
    }
  }
  return runs.map((r) => Object.fromEntries(Object.entries(r).map(([name, rs]) => [name, figuresOf(rs, TARGETS_MS[name as keyof typeof TARGETS_MS])])));
}

/** Switchovers alternating node2/node1, each entry in turn, each after the previous one was carried out. */
async function switchoverRuns(world: World, entries: readonly string[], wait: boolean): Promise<Measured[]> {
  const name = wait ? 'switchover --wait' : 'switchover';
  const runs = entries.map((): Run[] => []);
  const reported = entries.map((): number[] => []);
  for (let i = 0; i < SWITCHOVER_RUNS * entries.length; i++) {
    const to = i % 2 === 0 ? 'node2' : 'node1';
    const which = Math.floor(i / 2) % entries.length;
    const run = mustSucceed(`${name} to ${to}`, await runCli(['switchover', '--config', world.configPath, '--group', 'demo', '--to', to, ...(wait ? ['--wait'] : [])], world.env, entries[which]));
    runs[which]!.push(run);
    const seconds = /([\d.]+) ?s after the request/.exec(run.stdout);
    if (seconds) reported[which]!.push(Math.round(Number(seconds[1]) * 1000));
    await settled(world, to);
  }
  return runs.map((r, i) => ({ [name]: { ...figuresOf(r, TARGETS_MS[name]), ...(wait ? { reportedByCommandMs: reported[i] } : {}) } }));
}

function printAll(title: string, measured: Measured): void {
  console.log(title);
  for (const [name, f] of Object.entries(measured)) print(name, f);
}

async function main(): Promise<void> {
  if (!buildIsFresh()) {
    console.log('building the CLI (dist/cli is missing or older than its sources)…');
    await buildCli();
  }
  const workDir = mkdtempSync(join(tmpdir(), 'ec2f-bench-cli-'));
  try {
    const world = await startWorld(workDir);
    mustSucceed('apply', await runCli(['apply', '--config', world.configPath], world.env, BIN));
    await addRouteTables(world);
    const loadBefore = loadavg()[0]!;
    const entries = BASELINE ? [CLI, BASELINE] : [CLI];
    console.log(`load average ${loadBefore.toFixed(1)}; measuring start-up…`);
    const startup = await startupRuns(world, entries);

    startGroup('controller', [BIN, 'controller', '--config', world.configPath, '--holder', 'bench'], world.env);
    for (const args of world.agentArgs) startGroup(`agent ${args[2]}`, [BIN, ...args], world.env);
    await settled(world, 'node1');
    console.log('controller and agents up; measuring switchovers…');
    const switchover = await switchoverRuns(world, entries, false);
    const waited = await switchoverRuns(world, entries, true);
    const measured = entries.map((_, i) => ({ ...startup[i], ...switchover[i], ...waited[i] }));
    printAll('bin/ec2-failover.js:', measured[0]!);
    if (BASELINE) printAll(`baseline ${BASELINE}:`, measured[1]!);
    console.log(`(switchover --wait moves ${EXTRA_ROUTE_TABLES + 3} route tables and an Elastic IP; reportedByCommandMs in the JSON is the time the command itself printed, from its request)`);

    const results = {
      benchmark: 'cli-startup',
      at: new Date().toISOString(),
      loadAverage: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0]!.toFixed(2)) },
      routeTables: EXTRA_ROUTE_TABLES + 3,
      commands: measured[0],
      ...(BASELINE ? { baseline: { cli: BASELINE, commands: measured[1] } } : {}),
    };
    const out = join(REPO_ROOT, 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'cli-startup.json'), `${JSON.stringify(results, null, 2)}\n`);
    console.log(`written ${join(out, 'cli-startup.json')}`);
  } finally {
    await stopAll();
    rmSync(workDir, { recursive: true, force: true });
  }
}

process.on('exit', killAllSync);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping everything the benchmark started…`);
    void stopAll().finally(() => process.exit(130));
  });
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
