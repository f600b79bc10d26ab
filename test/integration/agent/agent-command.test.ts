import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runAgent } from '../../../src/agent/agent-command';
import type { AgentConfigInput } from '../../../src/agent/agent-config';
import { LOCAL_CREDENTIALS } from '../../../src/local/local-credentials';
import { AGENT_TEST_NODES, HandDrivenCluster } from '../../support/agent-cluster';
import { startImdsStandIn, type ImdsStandIn } from '../../../src/local/imds-stand-in';
import { eventually } from '../../support/cli-process';
import { testDynamoDbEndpoint } from '../../support/local-dynamodb';

/*
 * `runAgent` in-process: how it finds itself (IMDS or flags) and how it refuses to start, each
 * refusal with its code. DynamoDB Local is reached through the SDK's standard endpoint variable.
 */

let workDir: string;
let cluster: HandDrivenCluster;
let imds: ImdsStandIn;
let strangerImds: ImdsStandIn;
let closedPort: number;
const savedEnvironment = { ...process.env };

function writeConfig(name: string, config: Record<string, unknown>): string {
  const path = join(workDir, name);
  writeFileSync(path, stringify(config));
  return path;
}

async function agent(argv: string[], stop: AbortSignal = AbortSignal.abort()): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = { stdout: '', stderr: '' };
  const code = await runAgent(argv, { stdout: { write: (t: string) => (output.stdout += t) }, stderr: { write: (t: string) => (output.stderr += t) } }, stop);
  return { code, ...output };
}

beforeAll(async () => {
  process.env.AWS_ENDPOINT_URL_DYNAMODB = testDynamoDbEndpoint();
  process.env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  delete process.env.AWS_PROFILE;
  workDir = mkdtempSync(join(tmpdir(), 'ec2f-agent-start-'));
  cluster = await HandDrivenCluster.create('agentstart');
  imds = await startImdsStandIn({ instanceId: AGENT_TEST_NODES.node1.instanceId, region: 'us-east-1', interfaces: [] });
  strangerImds = await startImdsStandIn({ instanceId: 'i-0fff00000000abcd', region: 'us-east-1', interfaces: [] });
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
}, 30_000);

afterAll(async () => {
  process.env = savedEnvironment;
  await imds?.stop();
  await strangerImds?.stop();
  cluster?.destroy();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('runAgent startup', () => {
  it('prints its usage with --help', async () => {
    // Act
    const result = await agent(['--help']);

    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('usage: ec2-failover agent --config FILE');
  });

  it('refuses to start without --config (EC2F-U001), or with an unreadable one (EC2F-G001)', async () => {
    // Act
    const missingFlag = await agent([]);
    const missingFile = await agent(['--config', join(workDir, 'nope.yaml')]);

    // Assess
    expect(missingFlag).toMatchObject({ code: 2, stderr: expect.stringContaining('EC2F-U001') });
    expect(missingFile).toMatchObject({ code: 2, stderr: expect.stringContaining('EC2F-G001') });
  });

  it('names every bad key and value of its config with a code (EC2F-G003, EC2F-G002)', async () => {
    // Prepare
    const path = writeConfig('bad.yaml', { cluster: cluster.name, checks: [{ name: 'x', type: 'tcp', port: 70000 }], hoks: {} });

    // Act
    const result = await agent(['--config', path]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('EC2F-G003 hoks');
    expect(result.stderr).toContain('EC2F-G002 checks[0].port');
  });

  it('refuses to start when IMDS does not answer and no flag stands in (EC2F-G005)', async () => {
    // Prepare
    const path = writeConfig('plain.yaml', { cluster: cluster.name, stateDir: join(workDir, 'state') });

    // Act
    const result = await agent(['--config', path, '--imds-endpoint', `http://127.0.0.1:${closedPort}`]);

    // Assess
    expect(result).toMatchObject({ code: 2, stderr: expect.stringContaining('EC2F-G005') });
  });

  it('refuses to start on an instance that is not a node of the cluster, naming it (EC2F-G006)', async () => {
    // Prepare
    const path = writeConfig('plain.yaml', { cluster: cluster.name, stateDir: join(workDir, 'state') });

    // Act
    const result = await agent(['--config', path, '--imds-endpoint', strangerImds.endpoint]);

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^EC2F-G006 instance i-0fff00000000abcd is not a node of cluster/);
  });

  it('takes its identity from IMDSv2, with a token on every request', async () => {
    // Prepare
    const path = writeConfig('ok.yaml', { cluster: cluster.name, stateDir: join(workDir, 'state-imds') } satisfies AgentConfigInput);
    const stop = new AbortController();

    // Act
    const running = agent(['--config', path, '--imds-endpoint', imds.endpoint], stop.signal);
    await eventually(async () => (imds.requests.some((r) => r.includes('macs/')) ? true : undefined), 5000);
    stop.abort();
    const result = await running;

    // Assess
    expect(result.code).toBe(0);
    expect(imds.requests[0]).toBe('PUT /latest/api/token');
    expect(imds.requests).toEqual(expect.arrayContaining(['GET /latest/meta-data/instance-id', 'GET /latest/meta-data/placement/region']));
    expect(imds.unauthorized).toBe(0);
    expect(result.stdout).toContain('"message":"agent started"');
    expect(result.stdout).toContain(`"node":"node1"`);
  });

  it('runs on flags alone when there is no IMDS, and leaves gracefully when stopped', async () => {
    // Prepare
    const path = writeConfig('ok.yaml', { cluster: cluster.name, stateDir: join(workDir, 'state-flags') } satisfies AgentConfigInput);
    const stop = new AbortController();
    const argv = ['--config', path, '--instance-id', AGENT_TEST_NODES.node2.instanceId, '--region', 'us-east-1', '--imds-endpoint', `http://127.0.0.1:${closedPort}`];

    // Act
    let stdout = '';
    const running = runAgent(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true } }, stop.signal);
    await eventually(async () => (stdout.includes('"message":"heartbeating"') ? true : undefined), 10_000);
    stop.abort();
    const code = await running;

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('attached network interfaces unknown');
    expect(stdout).toContain('"node":"node2"');
    expect(stdout).toContain('"message":"leaving heartbeat written"');
    expect(stdout).toContain('"message":"stopped"');
  });
});
