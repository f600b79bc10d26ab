import { StateStoreUnavailableError } from '../aws/dynamodb/errors';
import { DynamoHeartbeatStore } from '../aws/dynamodb/heartbeat-store';
import { DynamoStateStore } from '../aws/dynamodb/state-store';
import { Ec2FailoverError, UsageError } from '../core/errors';
import { failureWindowMs } from '../core/health';
import type { ClusterSpec, Heartbeat, ReleaseBounds } from '../core/model';
import { Command, CommanderError } from 'commander';
import type { CliIo } from '../process/io';
import { jsonLineLogger } from '../process/json-logger';
import { abortableSleep } from '../core/abortable-sleep';
import { loadAgentConfig, type AgentConfig } from './agent-config';
import { agentDynamoDbClients } from './agent-dynamodb';
import { NotAClusterNodeError } from './agent-errors';
import type { AgentLogger } from './agent-logger';
import { AgentStateFile, currentBootId } from './agent-state-file';
import { AGENT_VERSION } from './agent-version';
import { agentWakes } from './agent-wake';
import { groupBindings, groupsOfNode } from './group-bindings';
import { GroupHooks } from './group-hooks';
import { HealthChecks } from './health-checks';
import { HeartbeatSender } from './heartbeat-sender';
import { ImdsClient, imdsEndpointFromEnvironment } from './imds-client';
import { InterfaceResolver } from './interface-resolver';
import { discoverIdentity } from './node-identity';
import { runNodeAgent } from './node-agent';
import { OwnershipWatcher } from './ownership-watcher';
import { processStopSignal } from '../process/stop-signal';

/*
 * `ec2-failover agent --config FILE`: the node agent as a long-running process (systemd runs
 * it on every node). It learns who it is from IMDSv2, finds itself in the cluster's stored spec,
 * then heartbeats, runs its health checks and follows ownership until stopped.
 */

export const AGENT_USAGE = `usage: ec2-failover agent --config FILE [flags]

  Runs on every node: heartbeats with health-check results, brings the virtual IP up or down
  (and runs your hooks) when this node gains or loses ownership, and leaves gracefully on SIGTERM.

  --config FILE            the agent config (YAML or JSON); see docs/agent.md
  --instance-id ID         this instance's id, instead of asking IMDS; with a region (--region or
                           the config's) and no metadata endpoint named, no metadata service is
                           used at all: name interfaces with --interface (an agent off EC2)
  --region REGION          region of the cluster tables, instead of the config or IMDS
  --imds-endpoint URL      the instance metadata service (default: $AWS_EC2_METADATA_SERVICE_ENDPOINT or http://169.254.169.254)
  --state-dir DIR          where the last handled epoch per group is kept (default: the config's stateDir)
  --interface ENI=IFACE[,ENI=IFACE]  the local interface of an ENI, instead of matching MACs
  --help                   this text
`;

export interface AgentFlags {
  readonly config?: string | undefined;
  readonly instanceId?: string | undefined;
  readonly region?: string | undefined;
  readonly imdsEndpoint?: string | undefined;
  readonly stateDir?: string | undefined;
  readonly interface?: string | undefined;
}

function single(flag: string) {
  return (value: string, previous: string | undefined): string => {
    if (previous !== undefined) throw new UsageError(`${flag} given more than once; give it once`);
    return value;
  };
}

/** The agent's flags (commander), strict: unknown flags, stray arguments and repeats are EC2F-U001. */
export function agentProgram(): Command {
  const program = new Command('agent')
    .option('--config <file>', 'the agent config (YAML or JSON); see docs/agent.md', single('--config'))
    .option('--instance-id <id>', "this instance's id, instead of asking IMDS", single('--instance-id'))
    .option('--region <region>', 'region of the cluster tables, instead of the config or IMDS', single('--region'))
    .option('--imds-endpoint <url>', 'the instance metadata service', single('--imds-endpoint'))
    .option('--state-dir <dir>', 'where the last handled epoch per group is kept', single('--state-dir'))
    .option('--interface <pairs>', 'ENI=IFACE[,ENI=IFACE]: the local interface of an ENI', single('--interface'))
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  // The hand-written usage keeps the flags' explanations in one readable block.
  program.helpInformation = () => AGENT_USAGE;
  return program;
}

/** Parsed flags, or undefined when --help was asked for (the usage is then printed). */
function parseAgentFlags(argv: readonly string[], io: CliIo): AgentFlags | undefined {
  const program = agentProgram();
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError && error.code === 'commander.helpDisplayed') {
      io.stdout.write(AGENT_USAGE);
      return undefined;
    }
    if (error instanceof CommanderError) throw new UsageError(`agent: ${error.message.replace(/^error: /, '')}\n${AGENT_USAGE}`);
    throw error;
  }
  return program.opts<AgentFlags>();
}

/** Runs the agent until `stop` aborts (SIGTERM/SIGINT by default); returns the exit code. */
export async function runAgent(argv: readonly string[], io: CliIo, stop?: AbortSignal): Promise<number> {
  const processStop = stop === undefined ? processStopSignal() : undefined;
  try {
    return await agentMain(argv, io, stop ?? processStop!.signal);
  } catch (error) {
    if (error instanceof Ec2FailoverError) {
      io.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  } finally {
    processStop?.dispose();
  }
}

export function parseInterfaceFlag(value: string | undefined): Record<string, string> {
  if (value === undefined) return {};
  const pairs: Record<string, string> = {};
  for (const entry of value.split(',').filter((part) => part.trim() !== '')) {
    const match = /^\s*(eni-[0-9a-f]{8,17})=([A-Za-z0-9_.-]{1,15})\s*$/.exec(entry);
    if (!match) throw new UsageError(`--interface expects ENI=IFACE pairs such as eni-0123456789abcdef0=eth1, got "${entry}"`);
    pairs[match[1]!] = match[2]!;
  }
  return pairs;
}

async function agentMain(argv: readonly string[], io: CliIo, stop: AbortSignal): Promise<number> {
  const flags = parseAgentFlags(argv, io);
  if (flags === undefined) return 0;
  if (!flags.config) throw new UsageError('agent needs --config FILE (the agent config; see docs/agent.md)');
  if (flags.instanceId !== undefined && !/^i-[0-9a-f]{8,17}$/.test(flags.instanceId))
    throw new UsageError(`--instance-id expects an instance id such as i-0123456789abcdef0, got "${flags.instanceId}"`);
  const interfaceFlags = parseInterfaceFlag(flags.interface);
  const config = loadAgentConfig(flags.config);

  if (flags.imdsEndpoint !== undefined) {
    // The SDK's instance-profile credentials come from IMDS too: one setting for both.
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = flags.imdsEndpoint;
  }
  const region = flags.region ?? config.region;
  // Off EC2 (a laptop, the local world): the flags say who this is, so no metadata service is
  // asked, not even by the SDK's credential chain.
  const offEc2 = flags.instanceId !== undefined && region !== undefined && !process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
  if (offEc2) process.env.AWS_EC2_METADATA_DISABLED ??= 'true';
  const imds = offEc2 ? undefined : new ImdsClient(flags.imdsEndpoint ?? imdsEndpointFromEnvironment());
  const bootLog = jsonLineLogger((line) => io.stdout.write(line), { cluster: config.cluster });
  const identity = await discoverIdentity(imds, { instanceId: flags.instanceId, region }, bootLog);
  const log: AgentLogger = jsonLineLogger((line) => io.stdout.write(line), { cluster: config.cluster, instanceId: identity.instanceId });

  const timeoutMs = config.dynamoDbTimeoutSeconds * 1000;
  const { client, documents } = agentDynamoDbClients(identity.region, timeoutMs);
  try {
    const stateStore = new DynamoStateStore(documents, config.cluster);
    const spec = await readSpecUntilAvailable(stateStore, stop, log);
    if (spec === undefined) return 0;
    const node = spec.nodes.find((n) => n.instanceId === identity.instanceId);
    if (!node) throw new NotAClusterNodeError(config.cluster, identity.instanceId, spec.nodes.map((n) => `${n.id}=${n.instanceId}`));

    const records = new AgentStateFile({
      stateDir: flags.stateDir ?? config.stateDir,
      cluster: config.cluster,
      instanceId: identity.instanceId,
      bootId: currentBootId(),
    });
    // Fail at startup, not at the first ownership change, if the state cannot be kept.
    records.save(records.load(log));

    const interfaces = new InterfaceResolver({ ...config.interfaces, ...interfaceFlags }, identity.interfaces, identity.interfacesError, imds, log);
    const checks = new HealthChecks(config.checks, log);
    const heartbeats = new DynamoHeartbeatStore(documents, config.cluster);
    let heartbeat: HeartbeatSender | undefined;
    const watcher = new OwnershipWatcher({
      cluster: config.cluster,
      instanceId: identity.instanceId,
      reader: stateStore,
      hooks: new GroupHooks(config.hooks, log),
      records,
      interfaces,
      log,
      spec,
      readTimeoutMs: timeoutMs,
      activateRetryMs: config.hooks.activateRetrySeconds * 1000,
      selfFencing: { enabled: config.selfFencing.enabled, leaseMs: config.selfFencing.leaseSeconds * 1000 },
      peers: { read: (instanceId) => readPeerBeat(heartbeats, instanceId) },
      onReport: () => heartbeat?.beatNow(),
    });
    const wakes = agentWakes({
      config,
      region: identity.region,
      node: node.id,
      watcher,
      readBeat: (instanceId) => readPeerBeat(heartbeats, instanceId, { consistent: false }),
      log,
    });
    heartbeat = new HeartbeatSender(heartbeats, {
      instanceId: identity.instanceId,
      agentVersion: AGENT_VERSION,
      checks: () => [...checks.results(), watcher.activationCheck()],
      groups: () => watcher.report(),
      release: () => releaseBounds(config, watcher.currentSpec, node.id, watcher.intervalMs),
      intervalMs: () => watcher.intervalMs,
      missedBeats: () => watcher.currentSpec.defaults.heartbeat.missedBeats,
      writeTimeoutMs: timeoutMs,
      log,
      onWritten: wakes?.onWritten,
    });

    logStart(log, { spec, node: node.id, identity, interfaces, config, imdsEndpoint: imds?.endpoint ?? 'not used' });
    await heartbeat.initialize();
    const leaveBudgetMs = Math.max(1000, 2 * timeoutMs);
    await runNodeAgent({ checks, heartbeat, watcher, log, leaveBudgetMs, ownerWatch: wakes?.ownerWatch, wakes: wakes?.waker }, stop);
    return 0;
  } finally {
    client.destroy();
  }
}

/**
 * The bounds this node states in its heartbeat. `deactivateMs`: the longest it can take to let go
 * of every group it holds, were each hook to run to its timeout: one activate hook already
 * running (hooks run one at a time), then per group the user's deactivate hook and one ip step per
 * virtual IP. `fenceMs`, with self-fencing: the longest from its last confirmed read of the status
 * until it has stood down (the lease, then at most one poll and one read, then all of that).
 */
export function releaseBounds(config: AgentConfig, spec: ClusterSpec, node: string, intervalMs: number): ReleaseBounds {
  const groups = groupsOfNode(spec, node);
  const vips = groups.flatMap((group) => groupBindings(spec, group, node, () => '').filter((b) => b.mode === 'route')).length;
  const ipMs = config.hooks.mode === 'after' ? vips * config.hooks.ipTimeoutSeconds * 1000 : 0;
  const runningMs = (config.hooks.activate?.timeoutSeconds ?? 0) * 1000 + ipMs;
  const deactivateMs = runningMs + groups.length * (config.hooks.deactivate?.timeoutSeconds ?? 0) * 1000 + ipMs;
  if (!config.selfFencing.enabled) return { deactivateMs };
  const fenceMs = config.selfFencing.leaseSeconds * 1000 + intervalMs + config.dynamoDbTimeoutSeconds * 1000 + deactivateMs;
  return { deactivateMs, fenceMs };
}

/**
 * The stored spec, waiting out an unreachable DynamoDB (the network may come up after the
 * agent at boot); undefined if stopped first. An uninitialized cluster is an answer, not an outage.
 */
async function readSpecUntilAvailable(store: DynamoStateStore, stop: AbortSignal, log: AgentLogger): Promise<ClusterSpec | undefined> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return (await store.read()).spec;
    } catch (error) {
      if (!(error instanceof StateStoreUnavailableError)) throw error;
      if (stop.aborted) return undefined;
      if (attempt === 1 || attempt % 10 === 0) log.warn('cluster spec unreadable; retrying', { attempt, error: error.message });
      await abortableSleep(Math.min(5000, 250 * 2 ** Math.min(attempt, 5)), stop);
    }
  }
}

function logStart(
  log: AgentLogger,
  context: {
    spec: ClusterSpec;
    node: string;
    identity: { region: string; interfaces: readonly { eni: string }[] };
    interfaces: InterfaceResolver;
    config: AgentConfig;
    imdsEndpoint: string;
  },
): void {
  const { spec, node, config } = context;
  const groups = groupsOfNode(spec, node);
  const enis = groups.flatMap((group) => groupBindings(spec, group, node, () => '').filter((b) => b.mode === 'route').map((b) => b.eni));
  log.info('agent started', {
    version: AGENT_VERSION,
    node,
    region: context.identity.region,
    groups,
    interfaces: context.interfaces.describe(enis),
    checks: config.checks.map((c) => c.name),
    hookMode: config.hooks.mode,
    selfFencing: config.selfFencing.enabled,
    wake: config.wake,
    heartbeatIntervalSeconds: spec.defaults.heartbeat.intervalSeconds,
    imds: context.imdsEndpoint,
  });
  const windowMs = failureWindowMs(spec);
  if (config.selfFencing.enabled && config.selfFencing.leaseSeconds * 1000 >= windowMs) {
    log.warn('self-fencing lease is not shorter than the failure window: a standby may activate before this node demotes itself', {
      leaseSeconds: config.selfFencing.leaseSeconds,
      failureWindowSeconds: windowMs / 1000,
    });
  }
}

/** Another member's heartbeat (consistent unless told otherwise); a malformed one says nothing, as none. */
async function readPeerBeat(heartbeats: DynamoHeartbeatStore, instanceId: string, options?: { readonly consistent?: boolean }): Promise<Heartbeat | undefined> {
  const read = await heartbeats.readHeartbeat(instanceId, options);
  return read !== undefined && 'beat' in read ? read.beat : undefined;
}
