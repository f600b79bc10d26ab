import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { bundleAgent } from '../../../src/agent/bundle';
import { LOCAL_CREDENTIALS } from '../../../src/local/local-credentials';
import { AGENT_TEST_NODES, HandDrivenCluster } from '../../support/agent-cluster';
import { AgentProcess, killAllAgents } from '../../support/agent-process';
import { testDynamoDbEndpoint } from '../../support/local-dynamodb';

/*
 * The one-file agent a node runs with nothing but Node.js: built with esbuild into a temporary
 * directory (outside the package, so no node_modules can be found next to it), then run with
 * plain `node`.
 */

let workDir: string;
let bundle: string;
let bytes: number;
let cluster: HandDrivenCluster;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'ec2f-agent-bundle-'));
  ({ outfile: bundle, bytes } = await bundleAgent(join(workDir, 'ec2-failover-agent.js')));
  cluster = await HandDrivenCluster.create('agentbundle');
}, 60_000);

afterAll(async () => {
  await killAllAgents();
  cluster?.destroy();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('agent bundle (src/agent/bundle.ts)', () => {
  it('is one minified file with every dependency inside', () => {
    // Assess
    expect(bytes).toBeGreaterThan(200 * 1024);
    expect(bytes).toBeLessThan(3 * 1024 * 1024);
  });

  it('prints its usage with plain node --help', () => {
    // Act
    const result = spawnSync(process.execPath, [bundle, '--help'], { cwd: workDir, encoding: 'utf8', timeout: 20_000 });

    // Assess
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('usage: ec2-failover agent --config FILE');
  });

  it('answers a bad start with a coded error and exit code 2', () => {
    // Act
    const result = spawnSync(process.execPath, [bundle, '--config', join(workDir, 'missing.yaml')], { cwd: workDir, encoding: 'utf8', timeout: 20_000 });

    // Assess
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('EC2F-G001');
  });

  it('heartbeats against DynamoDB and leaves gracefully on SIGTERM', async () => {
    // Prepare
    const config = join(workDir, 'agent.yaml');
    writeFileSync(config, stringify({ cluster: cluster.name, stateDir: join(workDir, 'state') }));
    const agent = AgentProcess.startBundle(
      'bundle',
      bundle,
      ['--config', config, '--instance-id', AGENT_TEST_NODES.node1.instanceId, '--region', 'us-east-1', '--imds-endpoint', 'http://127.0.0.1:9'],
      { AWS_ENDPOINT_URL_DYNAMODB: testDynamoDbEndpoint(), AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey },
    );
    await agent.waitFor((l) => l.message === 'heartbeating');

    // Act
    const exit = await agent.kill('SIGTERM');

    // Assess
    expect(exit).toEqual({ code: 0, signal: null });
    expect(agent.lines.map((l) => l.message)).toEqual(expect.arrayContaining(['agent started', 'leaving heartbeat written', 'stopped']));
  });
});
