import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EC2Client } from '@aws-sdk/client-ec2';
import { Ec2FailoverError } from '../core/errors';
import { localClientConfig } from './local-credentials';
import { LocalErrorCode } from './local-errors';
import { LOCAL_UP_USAGE, parseLocalUpFlags, type LocalUpFlags } from './local-up-flags';
import { startLocalAgents, type LocalAgent } from './local-agents';
import { seedDemo, type DemoSeed } from './seed-demo';
import { PROXY_ADMIN_PREFIX } from './fault-proxy-admin';
import { startLocalWorld, type LocalWorld } from './world';

export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export interface LocalUpControl {
  /** Stops the world as SIGINT would; for tests and embedding. */
  readonly stopSignal?: AbortSignal;
  /** Told once everything is up (and seeded), with the running world. */
  readonly onReady?: (world: LocalWorld) => void;
}

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function describeError(error: unknown): string {
  if (error instanceof Ec2FailoverError) return error.message;
  return `unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
}

interface StopRequest {
  readonly requested: Promise<NodeJS.Signals | 'abort'>;
  /** Removes the signal handlers, so a later Ctrl-C acts as usual again. */
  dispose(): void;
}

/**
 * The handlers stay installed until the world has stopped: a second Ctrl-C (a terminal, or a
 * wrapper such as tsx relaying the first one) must not kill the process half way through stopping.
 */
function listenForStop(signal: AbortSignal | undefined): StopRequest {
  let resolveStop: (reason: NodeJS.Signals | 'abort') => void = () => undefined;
  const requested = new Promise<NodeJS.Signals | 'abort'>((resolve) => {
    resolveStop = resolve;
  });
  const onSignal = (received: NodeJS.Signals): void => resolveStop(received);
  const onAbort = (): void => resolveStop('abort');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return {
    requested,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The standard variables for both AWS CLI generations and every SDK: AWS_DEFAULT_REGION beside
 * AWS_REGION, and STS answered by moto, so `ec2-failover` records the caller's ARN.
 */
export function localUpEnvironment(world: LocalWorld): Record<string, string> {
  return { ...world.environment(), AWS_DEFAULT_REGION: world.region, AWS_ENDPOINT_URL_STS: world.motoEndpoint };
}

function banner(world: LocalWorld, configPath: string | undefined, agents: readonly LocalAgent[]): string {
  const env = localUpEnvironment(world);
  const exports = Object.entries(env)
    .map(([name, value]) => `${name}=${shellQuote(value)}`)
    .join(' ');
  const lines = [
    `ec2-failover local world is up (region ${world.region})`,
    `  EC2 endpoint (fault proxy)  ${world.ec2Endpoint}   admin API: ${world.ec2Endpoint}${PROXY_ADMIN_PREFIX}`,
    `  moto, behind the proxy      ${world.motoEndpoint}`,
    `  DynamoDB Local              ${world.dynamoDbEndpoint ?? '(not started)'}`,
    `  EC2 state-change events     ${world.eventSinkPath}`,
  ];
  if (configPath !== undefined) lines.push(`  demo cluster config         ${configPath}`);
  for (const agent of agents) lines.push(`  ${agent.node} metadata service    ${agent.imds.endpoint} (${agent.instanceId})`);
  lines.push('', `export ${exports}`, `export EC2F_LOCAL_EVENT_SINK=${shellQuote(world.eventSinkPath)}`, '');
  if (agents.length > 0) {
    lines.push('Agents, one per shell with the exports above (their hooks only record, in the hooks.log beside their config):');
    for (const agent of agents) lines.push(`  ec2-failover ${agent.args.map(shellQuote).join(' ')}`);
    lines.push('');
  }
  lines.push('Press Ctrl-C to stop.', '');
  return lines.join('\n');
}

async function seedAndWriteConfig(world: LocalWorld, flags: LocalUpFlags): Promise<{ configPath: string; seed: DemoSeed }> {
  const ec2 = new EC2Client(localClientConfig(world.ec2Endpoint, world.region));
  try {
    const seed = await seedDemo(ec2, { region: world.region });
    const configPath = resolve(flags.configOut);
    await writeFile(configPath, seed.yaml, 'utf8');
    return { configPath, seed };
  } finally {
    ec2.destroy();
  }
}

/**
 * `ec2-failover local up`: runs moto, the fault proxy and DynamoDB Local in the foreground until
 * SIGINT or SIGTERM, then stops them all. Returns the process exit code.
 */
export async function runLocalUp(argv: string[], io: CommandIo, control: LocalUpControl = {}): Promise<number> {
  let flags: LocalUpFlags;
  try {
    flags = parseLocalUpFlags(argv);
  } catch (error) {
    io.stderr.write(`${describeError(error)}\n`);
    return error instanceof Ec2FailoverError && error.code === LocalErrorCode.badLocalUpFlags ? EXIT_USAGE : EXIT_FAILED;
  }
  if (flags.help) {
    io.stdout.write(LOCAL_UP_USAGE);
    return EXIT_OK;
  }

  // Listen for the stop request from the start, so Ctrl-C during start-up still cleans up.
  const stop = listenForStop(control.stopSignal);
  let world: LocalWorld | undefined;
  let agents: LocalAgent[] = [];
  const stopAgents = () => Promise.allSettled(agents.map((agent) => agent.imds.stop()));
  try {
    io.stderr.write('starting moto, the EC2 fault proxy and DynamoDB Local…\n');
    world = await startLocalWorld({
      region: flags.region,
      ec2Port: flags.ec2Port,
      dynamoDbPort: flags.dynamoDbPort,
      motoPort: flags.motoPort,
      eventSinkPath: flags.eventSinkPath,
      awsFidelity: flags.awsFidelity,
    });
    let configPath: string | undefined;
    if (flags.seed === 'demo') {
      io.stderr.write('seeding the demo VPC…\n');
      const seeded = await seedAndWriteConfig(world, flags);
      configPath = seeded.configPath;
      agents = await startLocalAgents(seeded.seed, world.region, await mkdtemp(join(tmpdir(), 'ec2f-local-agents-')));
    }
    io.stdout.write(banner(world, configPath, agents));
    control.onReady?.(world);
    const reason = await stop.requested;
    io.stderr.write(`${reason === 'abort' ? 'stop requested' : reason}: stopping the local world…\n`);
    await stopAgents();
    await world.stop();
    io.stderr.write('stopped.\n');
    return EXIT_OK;
  } catch (error) {
    io.stderr.write(`${describeError(error)}\n`);
    await stopAgents();
    await world?.stop().catch((stopError: unknown) => io.stderr.write(`${describeError(stopError)}\n`));
    return EXIT_FAILED;
  } finally {
    stop.dispose();
  }
}
