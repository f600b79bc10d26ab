import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AgentConfigInput } from '../../../src/agent/agent-config';
import { LOCAL_CREDENTIALS } from '../../../src/local/local-credentials';
import { AGENT_TEST_NODES, HandDrivenCluster } from '../../support/agent-cluster';
import { startImdsStandIn, type ImdsStandIn } from '../../../src/local/imds-stand-in';
import { AgentProcess, killAllAgents } from '../../support/agent-process';
import { recordingHook, type RecordingHook } from '../../support/agent-recording-hook';
import { startTcpRelay, type TcpRelay } from '../../support/agent-tcp-relay';
import { eventually } from '../../support/cli-process';
import { testDynamoDbEndpoint } from '../../support/local-dynamodb';

/*
 * Self-fencing with a real agent process whose only way to DynamoDB Local is a relay the test
 * can cut. The status is moved by hand (lease + conditional write), as the reconciler would.
 */

const LEASE_SECONDS = 1;
const DYNAMODB_TIMEOUT_SECONDS = 0.3;
const BEAT_SECONDS = 0.2;
const SLACK_MS = 1500;

let workDir: string;
let cluster: HandDrivenCluster;
let relay: TcpRelay;
let imds: ImdsStandIn;
let hook: RecordingHook;
let agent: AgentProcess;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'ec2f-agent-fence-'));
  cluster = await HandDrivenCluster.create('agentfence', BEAT_SECONDS);
  relay = await startTcpRelay(testDynamoDbEndpoint());
  imds = await startImdsStandIn({
    instanceId: AGENT_TEST_NODES.node1.instanceId,
    region: 'us-east-1',
    interfaces: [{ mac: '02:00:00:00:0f:01', eni: AGENT_TEST_NODES.node1.eni, deviceNumber: 0, localIpv4s: ['10.0.1.10'] }],
  });
  hook = recordingHook(workDir, 'node1');
  const config: AgentConfigInput = {
    cluster: cluster.name,
    stateDir: join(workDir, 'state'),
    dynamoDbTimeoutSeconds: DYNAMODB_TIMEOUT_SECONDS,
    hooks: { mode: 'replace', activate: { command: hook.command }, deactivate: { command: hook.command } },
    selfFencing: { enabled: true, leaseSeconds: LEASE_SECONDS },
  };
  const configPath = join(workDir, 'agent.yaml');
  writeFileSync(configPath, stringify(config));
  agent = AgentProcess.start('node1', ['--config', configPath, '--imds-endpoint', imds.endpoint], {
    AWS_ENDPOINT_URL_DYNAMODB: relay.endpoint,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  });
  await agent.waitFor((l) => l.message === 'heartbeating');
}, 30_000);

afterAll(async () => {
  await killAllAgents();
  await relay?.stop();
  await imds?.stop();
  cluster?.destroy();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('agent self-fencing (opt-in)', () => {
  it('warns at startup that a lease not shorter than the failure window leaves a gap', async () => {
    // Assess: lease 1 s vs 3 × 0.2 s
    await agent.waitFor((l) => l.message?.toString().startsWith('self-fencing lease is not shorter') === true, 1000);
  });

  it('an owner that cannot read its status for longer than the lease demotes itself', async () => {
    // Prepare
    await cluster.moveTo('node1');
    await agent.waitFor((l) => l.message === 'activated');

    // Act
    const cutAt = Date.now();
    relay.setMode('hang');
    await eventually(async () => (hook.runs().length >= 2 ? true : undefined), 10_000, 20);
    const demotedIn = Date.now() - cutAt;

    // Assess
    expect(hook.runs()).toEqual(['active db 1 became-owner', 'standby db 1 self-fence']);
    expect(demotedIn).toBeGreaterThanOrEqual(LEASE_SECONDS * 1000);
    expect(demotedIn).toBeLessThan(LEASE_SECONDS * 1000 + BEAT_SECONDS * 1000 + DYNAMODB_TIMEOUT_SECONDS * 1000 + SLACK_MS);
    await agent.waitFor((l) => l.message === 'self-fencing: ownership unconfirmed for longer than the lease; demoting' && l.group === 'db');
  });

  it('keeps trying to heartbeat, and activates again once it can confirm it is still the owner', async () => {
    // Act
    relay.setMode('pass');
    await eventually(async () => (hook.runs().length >= 3 ? true : undefined), 10_000, 20);

    // Assess
    expect(hook.runs()).toEqual(['active db 1 became-owner', 'standby db 1 self-fence', 'active db 1 still-owner']);
    await agent.waitFor((l) => l.message === 'heartbeats resumed');
    await agent.waitFor((l) => l.message === 'status readable again');
  });
});
