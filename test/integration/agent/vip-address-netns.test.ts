import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { stringify } from 'yaml';
import type { AgentConfigInput } from '../../../src/agent/agent-config';
import { LOCAL_CREDENTIALS } from '../../../src/local/local-credentials';
import { AGENT_TEST_NODES, AGENT_TEST_VIP, HandDrivenCluster } from '../../support/agent-cluster';
import { startImdsStandIn, type ImdsStandIn } from '../../../src/local/imds-stand-in';
import { AgentProcess, killAllAgents } from '../../support/agent-process';
import { recordingHook, type RecordingHook } from '../../support/agent-recording-hook';
import { testDynamoDbEndpoint } from '../../support/local-dynamodb';

/*
 * The built-in route-mode step (`ip addr add|del <vip>/32 dev <iface>`) for real, but only inside
 * a network namespace this test creates, on an interface that exists only there. The host's
 * own interfaces are never touched: the agent's ipCommand is `ip netns exec <ns> ip` (the
 * namespace's loopback stands in where the kernel has no dummy interfaces). Where
 * network namespaces cannot be created (no root, no CAP_SYS_ADMIN, no iproute2), the tests skip.
 */

const NAMESPACE = `ec2f-test-${randomBytes(3).toString('hex')}`;
/** A dummy interface where the kernel has the module; else the namespace's own loopback, which every namespace has. */
let DEVICE = 'ec2f0';
const VIP_CIDR = `${AGENT_TEST_VIP}/32`;

let skipReason: string | undefined;
let namespaceCreated = false;
let workDir: string;
let cluster: HandDrivenCluster;
let imds: ImdsStandIn;
let hook: RecordingHook;
let agent: AgentProcess;

function inNamespace(...args: string[]): string {
  return execFileSync('ip', ['netns', 'exec', NAMESPACE, 'ip', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function vipPresent(): boolean {
  return inNamespace('-4', 'addr', 'show', 'dev', DEVICE).includes(VIP_CIDR);
}

function startAgent(): AgentProcess {
  return AgentProcess.start('node1', ['--config', join(workDir, 'agent.yaml'), '--imds-endpoint', imds.endpoint], {
    AWS_ENDPOINT_URL_DYNAMODB: testDynamoDbEndpoint(),
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  });
}

/** Log lines from here on: each step waits for its own. */
function mark(): number {
  return agent.lines.length;
}

function skipUnlessNamespace(context: TestContext): void {
  if (skipReason !== undefined) context.skip(`network namespaces are not available here (${skipReason}); the built-in ip step is not exercised`);
}

beforeAll(async () => {
  try {
    execFileSync('ip', ['netns', 'add', NAMESPACE], { stdio: ['ignore', 'pipe', 'pipe'] });
    namespaceCreated = true;
    try {
      inNamespace('link', 'add', DEVICE, 'type', 'dummy');
    } catch {
      DEVICE = 'lo';
    }
    inNamespace('link', 'set', DEVICE, 'up');
  } catch (error) {
    skipReason = ((error as { stderr?: Buffer }).stderr?.toString() || (error as Error).message).trim().split('\n')[0];
    return;
  }

  workDir = mkdtempSync(join(tmpdir(), 'ec2f-agent-netns-'));
  cluster = await HandDrivenCluster.create('agentnetns');
  imds = await startImdsStandIn({
    instanceId: AGENT_TEST_NODES.node1.instanceId,
    region: 'us-east-1',
    // A MAC no interface of this host has: the interface comes from the config, as it must for a namespace.
    interfaces: [{ mac: '02:00:00:00:ee:01', eni: AGENT_TEST_NODES.node1.eni, deviceNumber: 0, localIpv4s: ['10.0.1.10'] }],
  });
  hook = recordingHook(workDir, 'node1');
  const config: AgentConfigInput = {
    cluster: cluster.name,
    stateDir: join(workDir, 'state'),
    interfaces: { [AGENT_TEST_NODES.node1.eni]: DEVICE },
    hooks: {
      mode: 'after',
      ipCommand: ['ip', 'netns', 'exec', NAMESPACE, 'ip'],
      activate: { command: hook.command, timeoutSeconds: 5 },
      deactivate: { command: hook.command, timeoutSeconds: 5 },
    },
  };
  writeFileSync(join(workDir, 'agent.yaml'), stringify(config));
  agent = startAgent();
  await agent.waitFor((l) => l.message === 'heartbeating');
}, 30_000);

afterAll(async () => {
  await killAllAgents();
  await imds?.stop();
  cluster?.destroy();
  if (namespaceCreated) execFileSync('ip', ['netns', 'del', NAMESPACE], { stdio: 'ignore' });
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('agent built-in ip step (inside a test network namespace)', () => {
  it('brings the virtual IP up on the interface of its ENI when the node becomes the owner, then runs the user hook', async (context) => {
    skipUnlessNamespace(context);
    // Prepare
    const from = mark();

    // Act
    await cluster.moveTo('node1');
    await agent.waitFor((l) => l.message === 'activated', 10_000, from);

    // Assess
    expect(vipPresent()).toBe(true);
    expect(agent.lines.slice(from).find((l) => l.message === 'virtual IP up')).toMatchObject({ vip: AGENT_TEST_VIP, interface: DEVICE, result: 'done' });
    expect(hook.lines().map((line) => line.replace(/ start=\d+ end=\d+$/, ''))).toEqual([`active db 1 became-owner vip=${AGENT_TEST_VIP} if=${DEVICE}`]);
  });

  it('takes it down when ownership moves to another node, after the user hook', async (context) => {
    skipUnlessNamespace(context);
    // Prepare
    const from = mark();

    // Act
    await cluster.moveTo('node2');
    await agent.waitFor((l) => l.message === 'deactivated', 10_000, from);

    // Assess
    expect(vipPresent()).toBe(false);
    const order = agent.lines.slice(from).map((l) => l.message).filter((m) => m === 'deactivate hook succeeded' || m === 'virtual IP down');
    expect(order).toEqual(['deactivate hook succeeded', 'virtual IP down']);
  });

  it('treats an address already up, or already down, as done', async (context) => {
    skipUnlessNamespace(context);
    // Prepare
    inNamespace('addr', 'add', VIP_CIDR, 'dev', DEVICE);
    let from = mark();

    // Act
    await cluster.moveTo('node1');
    await agent.waitFor((l) => l.message === 'activated', 10_000, from);
    const up = agent.lines.slice(from).find((l) => l.message === 'virtual IP up');
    inNamespace('addr', 'del', VIP_CIDR, 'dev', DEVICE);
    from = mark();
    await cluster.moveTo('node2');
    await agent.waitFor((l) => l.message === 'deactivated', 10_000, from);
    const down = agent.lines.slice(from).find((l) => l.message === 'virtual IP down');

    // Assess
    expect(up).toMatchObject({ result: 'already present' });
    expect(down).toMatchObject({ result: 'already absent' });
    expect(agent.lines.some((l) => l.message === 'activation failed' || l.message === 'deactivation failed')).toBe(false);
  });

  it('on SIGTERM takes the address down and exits 0', async (context) => {
    skipUnlessNamespace(context);
    // Prepare
    const from = mark();
    await cluster.moveTo('node1');
    await agent.waitFor((l) => l.message === 'activated', 10_000, from);
    expect(vipPresent()).toBe(true);

    // Act
    const exit = await agent.kill('SIGTERM');

    // Assess
    expect(exit).toEqual({ code: 0, signal: null });
    expect(vipPresent()).toBe(false);
    expect(agent.lines.slice(from).map((l) => l.message)).toEqual(
      expect.arrayContaining(['stopping: leaving the cluster', 'leaving heartbeat written', 'virtual IP down', 'stopped']),
    );
    expect(hook.runs().at(-1)).toBe('standby db 5 leaving');
  });
});
