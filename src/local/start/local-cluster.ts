import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { ReconcilerWaker } from '../../aws/lambda/reconciler-wake';
import { silentLogger } from '../../core/logger';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DynamoStateStore } from '../../aws/dynamodb/state-store';
import { findFreePort } from '../free-port';
import { localClientConfig } from '../local-credentials';
import { startLocalAgents, type LocalAgent } from '../local-agents';
import { localUpEnvironment } from '../local-up-command';
import type { ManagedProcess } from '../process-group';
import { DEMO_VIRTUAL_IP, demoConfigYaml, seedDemo, type DemoSeed } from '../seed-demo';
import { startLocalWorld, type LocalWorld } from '../world';
import { buildProductBundles, type ProductBundles } from './product-bundles';
import { crash, startProduct, waitForOutput } from './product-process';
import { profiledClusterConfig, type TimingProfile } from './timing-profile';
import type { TrafficTarget } from './traffic-view';

/*
 * The product running on this machine: the local world (moto behind the fault proxy, DynamoDB
 * Local) seeded with the demo, the cluster config applied with `ec2-failover apply`, one
 * `ec2-failover controller` tailing the proxy's state-change events, and one real agent per node
 * (an instance-metadata stand-in each, hooks that only record). Every process is started from a
 * bundle of the CLI and stopped by `stop()`.
 */

export type NodeName = 'node1' | 'node2';
export const GROUP = 'demo';

export interface LocalCluster {
  readonly dir: string;
  readonly world: LocalWorld;
  readonly seed: DemoSeed;
  readonly configPath: string;
  readonly env: Record<string, string>;
  readonly bundles: ProductBundles;
  readonly agentSetups: readonly LocalAgent[];
  /** Straight to moto: what measurements read and what "someone else" writes with. */
  readonly moto: EC2Client;
  /** Through the fault proxy, as the product's calls go. */
  readonly viaProxy: EC2Client;
  readonly state: DynamoStateStore;
  readonly target: TrafficTarget;
  readonly agents: Map<NodeName, ManagedProcess>;
  controller: ManagedProcess | undefined;
  /** What each of the controller's runs did, as it logged it ("run finished"), oldest first. */
  readonly runs: ControllerRun[];
  /** Why and by whom the controller was woken, as it logged it ("woken"), oldest first. */
  readonly wakes: { readonly reason: string; readonly from: string }[];
  eniOf(node: NodeName): string;
  startAgent(node: NodeName): Promise<void>;
  killAgent(node: NodeName): Promise<void>;
  /** SIGTERM: the agent writes a leaving heartbeat and exits. */
  leaveAgent(node: NodeName): Promise<void>;
  /** Wakes the controller as an operator command would (after writing a request straight to the table). */
  wake(reason: string): Promise<void>;
  /** Runs `ec2-failover <args>` to its end; resolves with its exit code and output. */
  cli(args: readonly string[]): Promise<{ code: number | null; output: string }>;
  stop(): Promise<void>;
}

export interface ControllerRun {
  /** When the run ended (ISO 8601, the log line's time). */
  readonly time: string;
  readonly ticks: number;
  readonly transitions: number;
  readonly stoppedBecause: string;
  /** How long the run took, from its start to its end. */
  readonly seconds: number;
}

export interface LocalClusterOptions {
  readonly dir: string;
  readonly profile: TimingProfile;
  readonly say?: (line: string) => void;
  /** Seconds between the controller's scheduled runs. @default the profile's drift-check interval */
  readonly scheduleSeconds?: number | undefined;
}

function ec2Client(endpoint: string, region: string): EC2Client {
  return new EC2Client({
    ...localClientConfig(endpoint, region),
    maxAttempts: 3,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 10_000, throwOnRequestTimeout: true }),
  });
}

export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const say = options.say ?? (() => undefined);
  say('starting moto, the EC2 fault proxy and DynamoDB Local; bundling the CLI…');
  const [worldResult, bundlesResult] = await Promise.allSettled([
    startLocalWorld({ eventSinkPath: join(options.dir, 'ec2-events.jsonl') }),
    buildProductBundles(options.dir),
  ]);
  if (worldResult.status === 'rejected') throw worldResult.reason;
  const world = worldResult.value;
  try {
    if (bundlesResult.status === 'rejected') throw bundlesResult.reason;
    return await populate(world, bundlesResult.value, options, say);
  } catch (error) {
    await world.stop().catch(() => undefined);
    throw error;
  }
}

async function populate(world: LocalWorld, bundles: ProductBundles, options: LocalClusterOptions, say: (line: string) => void): Promise<LocalCluster> {
  const moto = ec2Client(world.motoEndpoint, world.region);
  const viaProxy = ec2Client(world.ec2Endpoint, world.region);
  const dynamo = new DynamoDBClient({ ...localClientConfig(world.dynamoDbEndpoint!, world.region), maxAttempts: 3 });
  say('seeding the demo VPC (2 nodes, 3 route tables holding 10.1.0.10/32, an Elastic IP)…');
  const seed = await seedDemo(viaProxy, { region: world.region });
  const config = profiledClusterConfig(seed.config, seed.config.cluster, options.profile);
  const configPath = join(options.dir, 'cluster.yaml');
  writeFileSync(configPath, demoConfigYaml(config, ` ec2-failover local cluster (${options.profile.name} timing).`));
  const agentSetups = await startLocalAgents(seed, world.region, join(options.dir, 'agents'));
  const wakePort = await findFreePort();
  const cluster = assemble(world, bundles, options.dir, seed, configPath, agentSetups, { moto, viaProxy, dynamo }, wakePort);
  try {
    await startProcesses(cluster, say, options.scheduleSeconds ?? options.profile.driftCheckIntervalSeconds, wakePort);
    return cluster;
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

async function startProcesses(cluster: LocalCluster, say: (line: string) => void, scheduleSeconds: number, wakePort: number): Promise<void> {
  say(`ec2-failover apply --config ${cluster.configPath}`);
  const applied = await cluster.cli(['apply', '--config', cluster.configPath]);
  if (applied.code !== 0) throw new Error(`ec2-failover apply exited ${applied.code}:\n${applied.output}`);
  say(`starting ec2-failover controller --run-shape on-demand (a run every ${scheduleSeconds} s and whenever woken) and one agent per node…`);
  cluster.controller = await startProduct(
    'controller',
    cluster.bundles.cli,
    onDemandControllerArgs(cluster.configPath, cluster.world.eventSinkPath, 'local', scheduleSeconds, wakePort),
    cluster.env,
    (line) => {
      if (line.includes('"run finished"')) cluster.runs.push(JSON.parse(line) as ControllerRun);
      if (line.includes('"woken"')) cluster.wakes.push(JSON.parse(line) as { reason: string; from: string });
    },
  );
  await Promise.all([waitForOutput(cluster.controller, 'controller started'), cluster.startAgent('node1'), cluster.startAgent('node2')]);
}

interface Clients {
  readonly moto: EC2Client;
  readonly viaProxy: EC2Client;
  readonly dynamo: DynamoDBClient;
}

function assemble(
  world: LocalWorld,
  bundles: ProductBundles,
  dir: string,
  seed: DemoSeed,
  configPath: string,
  agentSetups: readonly LocalAgent[],
  clients: Clients,
  wakePort: number,
): LocalCluster {
  // Agents and commands wake the controller as they wake the deployed reconciler function.
  const env = { ...localUpEnvironment(world), AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${wakePort}` };
  const agents = new Map<NodeName, ManagedProcess>();
  const setupOf = (node: NodeName) => agentSetups.find((setup) => setup.node === node)!;
  const cluster: LocalCluster = {
    dir,
    world,
    seed,
    configPath,
    env,
    bundles,
    agentSetups,
    moto: clients.moto,
    viaProxy: clients.viaProxy,
    state: new DynamoStateStore(DynamoDBDocumentClient.from(clients.dynamo, { marshallOptions: { removeUndefinedValues: true } }), seed.config.cluster),
    target: { vpcId: seed.ids.vpcId, destination: DEMO_VIRTUAL_IP, allocationId: seed.ids.allocationId, routeTables: seed.ids.routeTableIds.length },
    agents,
    controller: undefined,
    runs: [],
    wakes: [],
    eniOf: (node) => seed.ids[node].eniId,
    async startAgent(node) {
      const agent = await startProduct(node, bundles.cli, setupOf(node).args, env);
      agents.set(node, agent);
      await waitForOutput(agent, 'heartbeating');
    },
    async killAgent(node) {
      const agent = agents.get(node);
      agents.delete(node);
      if (agent) await crash(agent);
    },
    async leaveAgent(node) {
      const agent = agents.get(node);
      agents.delete(node);
      await agent?.stop({ graceMs: 10_000 });
    },
    cli: (args) => runToEnd(bundles.cli, args, env),
    async wake(reason) {
      const client = new LambdaClient({ ...localClientConfig(env.AWS_ENDPOINT_URL_LAMBDA, world.region), maxAttempts: 1 });
      try {
        await new ReconcilerWaker({ cluster: seed.config.cluster, region: world.region, from: 'local', log: silentLogger, client, env }).wake({ reason });
      } finally {
        client.destroy();
      }
    },
    async stop() {
      // Controller first, so nothing acts on the agents' going; SIGKILL, so no agent leaves.
      if (cluster.controller) await crash(cluster.controller);
      await Promise.allSettled([...agents.values()].map((agent) => crash(agent)));
      agents.clear();
      await Promise.allSettled(agentSetups.map((setup) => setup.imds.stop()));
      for (const client of [clients.moto, clients.viaProxy, clients.dynamo]) client.destroy();
      await world.stop();
    },
  };
  return cluster;
}

async function runToEnd(bundle: string, args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = await startProduct(args[0] ?? 'cli', bundle, args, env);
  const exit = await child.exited;
  return { code: exit.code, output: child.outputTail() };
}

/**
 * `ec2-failover controller` as the deployed reconciler runs by default: on demand, a scheduled
 * run every `scheduleSeconds` (a minute when deployed; the drift-check interval here, so a hand
 * edit is repaired as soon as the story expects) and a run whenever woken on 127.0.0.1:`wakePort`.
 */
export function onDemandControllerArgs(configPath: string, eventSink: string, holder: string, scheduleSeconds: number, wakePort: number): string[] {
  return ['controller', '--config', configPath, '--events', eventSink, '--holder', holder, '--run-shape', 'on-demand', '--schedule', String(scheduleSeconds), '--wake-listen', String(wakePort)];
}
