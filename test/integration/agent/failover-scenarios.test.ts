import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { applySpec } from '../../../src/apply/spec-apply';
import { DynamoStateStore } from '../../../src/aws/dynamodb/state-store';
import type { AgentConfigInput } from '../../../src/agent/agent-config';
import { localWorldEnvironment } from '../../../src/local/world';
import { seedDemo, type DemoSeed } from '../../../src/local/seed-demo';
import { AgentProcess, killAllAgents } from '../../support/agent-process';
import { startImdsStandIn, type ImdsStandIn } from '../../../src/local/imds-stand-in';
import { recordingHook, type RecordingHook } from '../../support/agent-recording-hook';
import { CliProcess, eventually, killAllCliProcesses } from '../../support/cli-process';
import { testDynamoDbClient, testDynamoDbEndpoint, uniqueTableName } from '../../support/local-dynamodb';
import { startEc2TestWorld, type Ec2TestWorld } from '../../support/local-ec2-world';

/*
 * Real agent processes for two nodes and a real controller process against the local world
 * (moto behind the fault proxy, DynamoDB Local), with every interval scaled down five-fold:
 * heartbeats and ticks every 200 ms, three missed beats. Each agent has a recording hook in
 * place of the built-in ip step (this test never touches an interface): one line per run, so
 * "exactly once per change" is a line count.
 */

const BEAT_MS = 200;
const TICK_MS = 200;
const MISSED_BEATS = 3;
const DETECTION_BOUND_MS = MISSED_BEATS * BEAT_MS + TICK_MS;
/** Process scheduling, DynamoDB Local and moto round trips on a busy 2-core machine. */
const SLACK_MS = 1500;

type NodeName = 'node1' | 'node2';

let ec2World: Ec2TestWorld;
let seed: DemoSeed;
let env: Record<string, string>;
let store: DynamoStateStore;
let documents: DynamoDBDocumentClient;
let cluster: string;
let workDir: string;
let controller: CliProcess;
let portListener: Server;
const imds = new Map<NodeName, ImdsStandIn>();
const agents = new Map<NodeName, AgentProcess>();

/** The MAC of a real interface of this host, so node1's ENI resolves to a real name (only read, never changed). */
function hostInterface(): { name: string; mac: string } | undefined {
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    const external = addresses?.find((a) => !a.internal && a.mac !== '00:00:00:00:00:00');
    if (external) return { name, mac: external.mac };
  }
  return undefined;
}
const HOST_INTERFACE = hostInterface();

const hooks = new Map<NodeName, RecordingHook>();
const hookRuns = (node: NodeName) => hooks.get(node)!.runs();

function agentConfigFor(node: NodeName): string {
  const hook = recordingHook(workDir, node);
  hooks.set(node, hook);
  const config: AgentConfigInput = {
    cluster,
    stateDir: join(workDir, `${node}-state`),
    dynamoDbTimeoutSeconds: 1,
    checks: [
      { name: 'service-port', type: 'tcp', port: (portListener.address() as { port: number }).port, intervalSeconds: 0.5, timeoutSeconds: 0.5 },
      { name: 'always-true', type: 'command', command: ['true'], intervalSeconds: 0.5, timeoutSeconds: 1 },
    ],
    hooks: { mode: 'replace', activate: { command: hook.command, timeoutSeconds: 5 }, deactivate: { command: hook.command, timeoutSeconds: 5 } },
  };
  const path = join(workDir, `${node}-agent.yaml`);
  writeFileSync(path, stringify(config));
  return path;
}

function startAgent(node: NodeName): AgentProcess {
  const agent = AgentProcess.start(node, ['--config', join(workDir, `${node}-agent.yaml`), '--imds-endpoint', imds.get(node)!.endpoint], env);
  agents.set(node, agent);
  return agent;
}

async function demoStatus() {
  return (await store.readStatuses()).get('demo');
}

async function waitForOwner(node: NodeName, epoch: number, timeoutMs = 15_000): Promise<number> {
  const start = Date.now();
  try {
    await eventually(async () => {
      const status = await demoStatus();
      return status?.owner === node && status.epoch === epoch ? true : undefined;
    }, timeoutMs, 20);
  } catch (error) {
    throw new Error(`${node} did not become the owner at epoch ${epoch}; status ${JSON.stringify(await demoStatus())}; controller:\n${controller.raw.slice(-10).join('\n')}`, { cause: error });
  }
  return Date.now() - start;
}

async function waitForHookRuns(node: NodeName, count: number, timeoutMs = 10_000): Promise<string[]> {
  return eventually(async () => {
    const runs = hookRuns(node);
    return runs.length >= count ? runs : undefined;
  }, timeoutMs, 20);
}

async function heartbeatItem(node: NodeName): Promise<Record<string, unknown> | undefined> {
  const { Item } = await documents.send(
    new GetCommand({ TableName: `${cluster}-heartbeats`, Key: { instanceId: seed.ids[node].instanceId }, ConsistentRead: true }),
  );
  return Item;
}

/** Lets the controller see a (re)started agent's sequence advance a few times. */
const settle = () => new Promise((resolve) => setTimeout(resolve, MISSED_BEATS * BEAT_MS + 2 * TICK_MS));

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'ec2f-agent-failover-'));
  portListener = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => portListener.listen(0, '127.0.0.1', resolve));

  ec2World = await startEc2TestWorld();
  seed = await seedDemo(ec2World.ec2(), { region: ec2World.world.region });
  cluster = uniqueTableName('agent');
  const clusterConfig = {
    ...seed.config,
    cluster,
    defaults: {
      ...seed.config.defaults,
      heartbeat: { intervalSeconds: BEAT_MS / 1000, missedBeats: MISSED_BEATS },
      checkIntervalSeconds: TICK_MS / 1000,
      driftCheckIntervalSeconds: 1,
      tunables: { apiCallTimeoutSeconds: 1, restoreTimeoutSeconds: 5, recoverTimeoutSeconds: 5, removeTimeoutSeconds: 5, quickCheckTimeoutSeconds: 2 },
    },
  };
  const controllerConfig = join(workDir, 'cluster.yaml');
  writeFileSync(controllerConfig, stringify(clusterConfig));
  const dynamo = testDynamoDbClient();
  await applySpec(dynamo, clusterConfig, { writer: 'test' });
  documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  store = new DynamoStateStore(documents, cluster);
  env = localWorldEnvironment({ ec2Endpoint: ec2World.world.ec2Endpoint, dynamoDbEndpoint: testDynamoDbEndpoint(), region: ec2World.world.region });

  for (const node of ['node1', 'node2'] as const) {
    const mac = node === 'node1' && HOST_INTERFACE ? HOST_INTERFACE.mac : '02:00:00:00:00:02';
    imds.set(
      node,
      await startImdsStandIn({
        instanceId: seed.ids[node].instanceId,
        region: ec2World.world.region,
        interfaces: [{ mac, eni: seed.ids[node].eniId, deviceNumber: 0, localIpv4s: [seed.ids[node].privateIp] }],
      }),
    );
    agentConfigFor(node);
  }
  // node2 joins once node1 owns the group: started together, whichever the controller saw advance first would win.
  controller = CliProcess.start(['controller', '--config', controllerConfig, '--holder', 'agent-test'], env);
  await startAgent('node1').waitFor((l) => l.message === 'heartbeating');
}, 60_000);

afterAll(async () => {
  await killAllAgents();
  await killAllCliProcesses();
  await Promise.all([...imds.values()].map((server) => server.stop()));
  await new Promise((resolve) => portListener?.close(resolve));
  await ec2World?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('ec2-failover agent (real agents and controller, local world)', () => {
  it('heartbeats with a sequence that grows, every check result, and its version', async () => {
    // Prepare
    const first = await heartbeatItem('node1');

    // Act
    await new Promise((resolve) => setTimeout(resolve, 3 * BEAT_MS));
    const later = await heartbeatItem('node1');

    // Assess
    expect(Number(later?.seq)).toBeGreaterThanOrEqual(Number(first?.seq) + 2);
    expect(later).toMatchObject({ leaving: false, agentVersion: expect.any(String) });
    const checks = later?.checks as { name: string; ok: boolean; required: boolean; detail: string }[];
    expect(checks.map((c) => c.name)).toEqual(['service-port', 'always-true', 'activate-hook']);
    expect(checks.find((c) => c.name === 'service-port')).toMatchObject({ ok: true, required: false, detail: expect.stringContaining('connected') });
    expect(checks.find((c) => c.name === 'always-true')).toMatchObject({ ok: true, detail: 'exit 0' });
  });

  it('activates the owner the controller names, once, and a standby that joins deactivates once on first sight', async () => {
    // Act
    await waitForOwner('node1', 1);
    await waitForHookRuns('node1', 1);
    await startAgent('node2').waitFor((l) => l.message === 'heartbeating');
    await waitForHookRuns('node2', 1);
    await settle();

    // Assess
    expect(hookRuns('node1')).toEqual(['active demo 1 became-owner']);
    expect(hookRuns('node2')).toEqual(['standby demo 1 first-sight']);
    const [line] = hooks.get('node1')!.lines();
    expect(line).toContain('vip=10.1.0.10');
    // node1's ENI has the MAC of a real interface of this host: found by MAC, not by device number.
    if (HOST_INTERFACE) expect(line).toContain(`if=${HOST_INTERFACE.name}`);
  });

  it('fails over within missedBeats × interval plus a tick when the owner agent is killed with SIGKILL', async () => {
    // Act
    await agents.get('node1')!.kill('SIGKILL');
    const movedIn = await waitForOwner('node2', 2);
    await waitForHookRuns('node2', 2);

    // Assess
    expect(movedIn).toBeLessThan(DETECTION_BOUND_MS + SLACK_MS);
    expect(hookRuns('node2')).toEqual(['standby demo 1 first-sight', 'active demo 2 became-owner']);
  });

  it('a restarted agent runs the hook it missed while down, and a second restart runs none', async () => {
    // Act: node1 comes back, still recorded active at epoch 1
    const restarted = startAgent('node1');
    // Logged once the state file holds it: a kill between hook and record would rightly run the hook again.
    await restarted.waitFor((l) => l.message === 'deactivated');
    await restarted.kill('SIGKILL');
    const again = startAgent('node1');
    await again.waitFor((l) => l.message === 'heartbeating');
    await settle();

    // Assess
    expect(hookRuns('node1')).toEqual(['active demo 1 became-owner', 'standby demo 2 lost-ownership']);
    expect(hookRuns('node2')).toHaveLength(2);
  });

  it('on SIGTERM writes a leaving heartbeat and the group switches over within about one tick; exit code 0', async () => {
    // Prepare
    const owner = agents.get('node2')!;

    // Act
    const signalledAt = Date.now();
    owner.child.kill('SIGTERM');
    await waitForOwner('node1', 3);
    const switchedIn = Date.now() - signalledAt;
    const exit = await owner.exited;

    // Assess
    expect(switchedIn).toBeLessThan(TICK_MS + SLACK_MS);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(await heartbeatItem('node2')).toMatchObject({ leaving: true });
    expect((await demoStatus())?.lastTransition).toMatchObject({ reason: 'failover', detail: expect.stringContaining('leaving') });
    await waitForHookRuns('node1', 3);
    expect(hookRuns('node2')).toEqual(['standby demo 1 first-sight', 'active demo 2 became-owner', 'standby demo 2 leaving']);
    expect(hookRuns('node1').at(-1)).toBe('active demo 3 became-owner');
  });

  it('an activate hook that fails makes the node report itself unhealthy, and ownership moves on', async () => {
    // Prepare: node2 back (recorded standby: no hook), and its next activation will fail
    const node2 = startAgent('node2');
    await node2.waitFor((l) => l.message === 'heartbeating');
    await settle();
    expect(hookRuns('node2')).toHaveLength(3);
    writeFileSync(hooks.get('node2')!.failFile, '');
    // node1's deactivation takes 1.5 s: node2 must not activate before it ends.
    writeFileSync(hooks.get('node1')!.slowFile, '');

    // Act
    await store.requestOperatorAction('demo', { kind: 'switchover', to: 'node2', id: 'agent-test-1', requestedAt: Date.now() });
    await waitForOwner('node2', 4);
    await waitForOwner('node1', 5);
    await waitForHookRuns('node2', 5);
    await waitForHookRuns('node1', 5);

    // Assess
    expect((await demoStatus())?.lastTransition).toMatchObject({ reason: 'failover', detail: expect.stringContaining('activate-hook') });
    await node2.waitFor((l) => l.message === 'activation failed' && l.group === 'demo' && l.epoch === 4);
    expect(hookRuns('node2').slice(3)).toEqual(['active demo 4 became-owner', 'standby demo 5 lost-ownership']);
    expect(hookRuns('node1').slice(3)).toEqual(['standby demo 4 lost-ownership', 'active demo 5 became-owner']);
    // Ordered handover: each new owner's activation started only after the old owner's deactivation ended.
    const released = hooks.get('node1')!.timeOf('standby demo 4 lost-ownership')!;
    expect(hooks.get('node2')!.timeOf('active demo 4 became-owner')!.start).toBeGreaterThanOrEqual(released.end);
    expect(hooks.get('node1')!.timeOf('active demo 5 became-owner')!.start).toBeGreaterThanOrEqual(hooks.get('node2')!.timeOf('standby demo 5 lost-ownership')!.end);
    // No longer the owner: the synthetic check has cleared.
    const cleared = await eventually(async () => {
      const checks = (await heartbeatItem('node2'))?.checks as { name: string; ok: boolean }[] | undefined;
      return checks?.find((c) => c.name === 'activate-hook' && c.ok) ? true : undefined;
    }, 5000);
    expect(cleared).toBe(true);
  });

  it('ran every hook exactly once per change of ownership', async () => {
    // Act
    await settle();

    // Assess
    expect(hookRuns('node1')).toEqual([
      'active demo 1 became-owner',
      'standby demo 2 lost-ownership',
      'active demo 3 became-owner',
      'standby demo 4 lost-ownership',
      'active demo 5 became-owner',
    ]);
    expect(hookRuns('node2')).toEqual([
      'standby demo 1 first-sight',
      'active demo 2 became-owner',
      'standby demo 2 leaving',
      'active demo 4 became-owner',
      'standby demo 5 lost-ownership',
    ]);
    expect(controller.lines.filter((l) => l.message === 'ownership changed').map((l) => l.epoch)).toEqual([1, 2, 3, 4, 5]);
  });
});
