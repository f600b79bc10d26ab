import { existsSync, readFileSync } from 'node:fs';
import { DescribeRouteTablesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runAgent } from '../../../src/agent/agent-command';
import { main } from '../../../src/cli/main';
import { localClientConfig } from '../../../src/local/local-credentials';
import { CliProcess, eventually, killAllCliProcesses } from '../../support/cli-process';

/*
 * Agents anywhere: `local up --seed demo` serves an instance-metadata stand-in per seeded node
 * and prints a ready `agent` command line for each (hooks that only record); agents started
 * from those lines, with a controller, fail over as in production. An agent given
 * --instance-id, a region and --interface asks no metadata service at all.
 */

const stopWorld = new AbortController();
let worldExit: Promise<number>;
let banner = '';
let env: Record<string, string>;
let configPath: string;
let agentLines: string[][];

function exportsOf(text: string): Record<string, string> {
  const line = text.split('\n').find((l) => l.startsWith('export AWS_'))!;
  return Object.fromEntries(line.replace(/^export /, '').split(' ').map((pair) => pair.split('=', 2) as [string, string]));
}

beforeAll(async () => {
  worldExit = main(['local', 'up', '--seed', 'demo', '--config-out', `${process.env.TMPDIR ?? '/tmp'}/ec2f-anywhere-${process.pid}.yaml`], {
    stdout: { write: (t: string) => (banner += t) },
    stderr: { write: () => true },
    signal: stopWorld.signal,
  });
  await eventually(async () => (banner.includes('Press Ctrl-C to stop.') ? true : undefined), 90_000, 200);
  env = { ...exportsOf(banner), EC2F_LOCAL_EVENT_SINK: /export EC2F_LOCAL_EVENT_SINK=(\S+)/.exec(banner)![1]! };
  configPath = /demo cluster config\s+(\S+)/.exec(banner)![1]!;
  agentLines = banner
    .split('\n')
    .filter((l) => l.startsWith('  ec2-failover agent '))
    .map((l) => l.trim().split(' ').slice(1));
}, 120_000);

afterAll(async () => {
  await killAllCliProcesses();
  stopWorld.abort();
  await worldExit;
});

describe('local up for agents', () => {
  it('exports the variables both AWS CLI generations read and prints a ready agent command line per node', () => {
    // Assess
    expect(env).toMatchObject({ AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'us-east-1', AWS_ENDPOINT_URL_STS: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    expect(agentLines).toHaveLength(2);
    for (const args of agentLines) {
      expect(args).toEqual(['agent', '--config', expect.stringMatching(/node[12]\/agent\.yaml$/), '--imds-endpoint', expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/)]);
      const agentConfig = parse(readFileSync(args[2]!, 'utf8'));
      expect(agentConfig.hooks).toMatchObject({ mode: 'replace', activate: { command: ['sh', '-c', expect.any(String), expect.stringMatching(/hooks\.log$/)] } });
    }
  });

  it('runs agents from those lines that fail over as in production', async () => {
    // Prepare
    const applied = await CliProcess.start(['apply', '--config', configPath], env).exited;
    const controller = CliProcess.start(['controller', '--config', configPath, '--events', env.EC2F_LOCAL_EVENT_SINK!], env);
    const [node1, node2] = agentLines.map((args) => CliProcess.start(args, env));
    const seed = parse(readFileSync(configPath, 'utf8'));
    const eniOf = (node: string) => seed.resources[0].members.find((m: { node: string }) => m.node === node).eni as string;
    const ec2 = new EC2Client(localClientConfig(env.AWS_ENDPOINT_URL_EC2!, 'us-east-1'));
    const targets = async () => {
      const { RouteTables } = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [seed.resources[0].vpcId] }] }));
      return (RouteTables ?? []).flatMap((t) => t.Routes ?? []).filter((r) => r.DestinationCidrBlock === '10.1.0.10/32').map((r) => r.NetworkInterfaceId);
    };
    const hookLog = (args: string[]) => args[2]!.replace(/agent\.yaml$/, 'hooks.log');
    await node1!.waitFor((l) => l.message === 'agent started', 30_000);
    await node2!.waitFor((l) => l.message === 'agent started', 30_000);
    await eventually(async () => (existsSync(hookLog(agentLines[0]!)) && readFileSync(hookLog(agentLines[0]!), 'utf8').includes('active group=demo') ? true : undefined), 30_000);

    // Act
    await node1!.kill('SIGKILL');
    await eventually(async () => ((await targets()).every((t) => t === eniOf('node2')) ? true : undefined), 30_000);

    // Assess
    expect(applied.code).toBe(0);
    expect(node2!.lines.find((l) => l.message === 'agent started')).toMatchObject({ node: 'node2', imds: expect.stringMatching(/^http:\/\/127\.0\.0\.1:/) });
    await eventually(async () => (readFileSync(hookLog(agentLines[1]!), 'utf8').includes('active group=demo epoch=2 reason=became-owner') ? true : undefined), 15_000);
    expect(controller.alive).toBe(true);
    ec2.destroy();
  });

  it('runs an agent on --instance-id, a region and --interface without asking any metadata service', async () => {
    // Prepare
    const seed = parse(readFileSync(configPath, 'utf8'));
    // node1, whose agent process the test before killed: one instance, one agent.
    const node1 = seed.nodes[0] as { instanceId: string };
    const eni = seed.resources[0].members[0].eni as string;
    const fetched: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      fetched.push(String(input));
      return realFetch(input, init);
    }) as typeof fetch;
    const saved = { ...process.env };
    Object.assign(process.env, env);
    delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
    const stop = new AbortController();
    let stdout = '';

    // Act
    const running = runAgent(
      ['--config', agentLines[0]![2]!, '--instance-id', node1.instanceId, '--region', 'us-east-1', '--interface', `${eni}=lo`, '--state-dir', `${agentLines[0]![2]!}.offline-state`],
      { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stdout += t) } },
      stop.signal,
    );
    await eventually(async () => (stdout.includes('"message":"heartbeating"') ? true : undefined), 20_000);
    stop.abort();
    const code = await running;
    globalThis.fetch = realFetch;
    process.env = saved;

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('"imds":"not used"');
    expect(stdout).toContain(`"interfaces":{"${eni}":"lo"}`);
    expect(fetched.filter((url) => url.includes('169.254.169.254') || url.includes('/latest/'))).toEqual([]);
  });
});
