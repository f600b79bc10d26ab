import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeAddressesCommand, DescribeRouteTablesCommand, ReplaceRouteCommand, StartInstancesCommand, StopInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DynamoHeartbeatStore } from '../../../src/aws/dynamodb/heartbeat-store';
import { DynamoLeaseStore } from '../../../src/aws/dynamodb/lease-store';
import { DynamoStateStore } from '../../../src/aws/dynamodb/state-store';
import { DynamoVerdictStore, verdictsFromTick } from '../../../src/aws/dynamodb/verdict-store';
import { Ec2Cloud } from '../../../src/aws/ec2/ec2-cloud';
import { applySpec } from '../../../src/apply/spec-apply';
import { main } from '../../../src/cli/main';
import type { FencingToken } from '../../../src/core/ports';
import { newMemory, reconcileOnce } from '../../../src/core/reconcile';
import { seedDemo, type DemoSeed } from '../../../src/local/seed-demo';
import { eventually } from '../../support/cli-process';
import { testDynamoDbClient, testDynamoDbEndpoint, uniqueTableName } from '../../support/local-dynamodb';
import { startEc2TestWorld, type Ec2TestWorld } from '../../support/local-ec2-world';

/*
 * The operator's console against the local world (moto behind the fault proxy, DynamoDB Local):
 * a reconciler ticks in this process every 200 ms, recording its verdicts as the loop does, and
 * the test writes the agents' heartbeats. The CLI runs in-process through `main`, reaching both
 * through the SDK's standard endpoint variables, and STS through moto.
 */

const TICK_MS = 200;

let ec2World: Ec2TestWorld;
let moto: EC2Client;
let seed: DemoSeed;
let configPath: string;
let state: DynamoStateStore;
let verdicts: DynamoVerdictStore;
let stopLoop = false;
let loop: Promise<void> | undefined;
const alive = new Set<string>();

function run(argv: string[], signal?: AbortSignal) {
  const out: string[] = [];
  const err: string[] = [];
  return main(argv, { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) }, signal }).then((code) => ({
    code,
    out: out.join(''),
    err: err.join(''),
  }));
}

const cli = (...args: string[]) => run([...args, '--config', configPath]);

async function routeTargets(): Promise<string[]> {
  const { RouteTables } = await moto.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [seed.ids.vpcId] }] }));
  return (RouteTables ?? []).flatMap((t) => t.Routes ?? []).filter((r) => r.DestinationCidrBlock === '10.1.0.10/32').map((r) => r.NetworkInterfaceId ?? '?');
}

async function trafficOn(node: 'node1' | 'node2'): Promise<boolean> {
  const eni = seed.ids[node].eniId;
  const routes = await routeTargets();
  const { Addresses } = await moto.send(new DescribeAddressesCommand({ AllocationIds: [seed.ids.allocationId] }));
  return routes.length === 3 && routes.every((t) => t === eni) && Addresses?.[0]?.NetworkInterfaceId === eni;
}

async function statusJson() {
  const { code, out, err } = await cli('status', '--json');
  if (code !== 0) throw new Error(`status exited ${code}: ${err}`);
  return JSON.parse(out);
}

async function startReconciler(documents: DynamoDBDocumentClient, cluster: string): Promise<void> {
  const heartbeats = new DynamoHeartbeatStore(documents, cluster);
  const acquired = await new DynamoLeaseStore(documents, cluster).acquire('console-test', 3_600_000, Date.now());
  if (!acquired.acquired) throw new Error('no lease');
  const fence: FencingToken = acquired.fence;
  const cloud = new Ec2Cloud(ec2World.ec2({ maxAttempts: 1, requestTimeoutMs: 2000 }));
  const memory = newMemory();
  const seq: Record<string, number> = {};
  loop = (async () => {
    while (!stopLoop) {
      for (const instanceId of alive) {
        seq[instanceId] = (seq[instanceId] ?? 0) + 1;
        await heartbeats.writeHeartbeat({ instanceId, seq: seq[instanceId]!, sentAt: Date.now(), leaving: false, checks: [] });
      }
      try {
        const report = await reconcileOnce({ state, heartbeats, cloud, clock: Date.now }, memory, { fence });
        await verdicts.recordVerdicts(
          verdictsFromTick({ at: report.at, holder: 'console-test', health: report.health, findings: report.findings, groups: report.spec.groups.map((g) => g.id) }),
        );
      } catch {
        // A slow tick on a busy machine: the next one reads everything again.
      }
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
  })();
}

beforeAll(async () => {
  ec2World = await startEc2TestWorld();
  moto = ec2World.moto();
  seed = await seedDemo(ec2World.ec2(), { region: ec2World.world.region });
  const cluster = uniqueTableName('console');
  const config = {
    ...seed.config,
    cluster,
    defaults: {
      ...seed.config.defaults,
      heartbeat: { intervalSeconds: TICK_MS / 1000, missedBeats: 3 },
      checkIntervalSeconds: TICK_MS / 1000,
      driftCheckIntervalSeconds: 0.5,
      tunables: { apiCallTimeoutSeconds: 1, restoreTimeoutSeconds: 5, recoverTimeoutSeconds: 5, removeTimeoutSeconds: 5, quickCheckTimeoutSeconds: 2 },
    },
  };
  configPath = join(mkdtempSync(join(tmpdir(), 'ec2f-console-')), 'cluster.yaml');
  writeFileSync(configPath, stringify(config));
  // The CLI builds its clients from the standard SDK variables, as it would on AWS.
  Object.assign(process.env, ec2World.world.environment(), {
    AWS_ENDPOINT_URL_DYNAMODB: testDynamoDbEndpoint(),
    AWS_ENDPOINT_URL_STS: ec2World.world.motoEndpoint,
  });
  const dynamo = testDynamoDbClient();
  await applySpec(dynamo, config, { writer: 'test' });
  const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  state = new DynamoStateStore(documents, cluster);
  verdicts = new DynamoVerdictStore(documents, cluster);
  alive.add(seed.ids.node1.instanceId).add(seed.ids.node2.instanceId);
  await startReconciler(documents, cluster);
  await eventually(async () => ((await state.readStatuses()).get('demo')?.phase === 'steady' && (await trafficOn('node1')) ? true : undefined), 30_000);
}, 120_000);

afterAll(async () => {
  stopLoop = true;
  await loop;
  await ec2World?.stop();
});

describe('ec2-failover status (local world)', () => {
  it('names each node\'s verdict and reason and each route\'s and the Elastic IP\'s current target', async () => {
    // Act
    const view = await eventually(async () => {
      const json = await statusJson();
      return json.groups[0].serving === 'yes' && json.nodes.every((n: { verdict?: { state: string } }) => n.verdict?.state === 'healthy') ? json : undefined;
    });
    const text = await cli('status');

    // Assess
    expect(view.groups[0]).toMatchObject({ group: 'demo', owner: 'node1', phase: 'steady', serving: 'yes', notes: [] });
    expect(view.nodes.map((n: { node: string; verdict: { reason: string }; instanceState: string }) => [n.node, n.verdict.reason, n.instanceState])).toEqual([
      ['node1', expect.stringMatching(/^heartbeat (advancing|within window)$/), 'running'],
      ['node2', expect.stringMatching(/^heartbeat (advancing|within window)$/), 'running'],
    ]);
    const routes = view.resources.find((r: { mode: string }) => r.mode === 'route').routes;
    expect(routes).toHaveLength(3);
    expect(routes.every((r: { targetNode: string; target: string; mark: string }) => r.targetNode === 'node1' && r.target === seed.ids.node1.eniId && r.mark === 'ok')).toBe(true);
    expect(view.resources.find((r: { mode: string }) => r.mode === 'eip').association).toMatchObject({ node: 'node1', eni: seed.ids.node1.eniId, mark: 'ok' });
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/demo\s+owner node1\s+epoch 1\s+steady\s+serving/);
    expect(text.out).toMatch(/node2\s+i-[0-9a-f]+\s+running\s+healthy: heartbeat/);
    expect(text.out).toMatch(new RegExp(`demo-vip\\s+route\\s+10\\.1\\.0\\.10/32\\s+rtb-[0-9a-f]+\\s+→ node1 \\(${seed.ids.node1.eniId}\\)\\s+ok`));
  });

  it('prints transitions as they happen with --watch', async () => {
    // Prepare
    const stop = new AbortController();
    const out: string[] = [];
    const watching = main(['status', '--config', configPath, '--watch', '--interval', '0.2'], {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: () => true },
      signal: stop.signal,
    });
    await eventually(async () => (out.join('').includes('resources') ? true : undefined));

    // Act
    await cli('switchover', '--group', 'demo', '--to', 'node2');
    await eventually(async () => (out.join('').includes('owner node1 → node2') && out.join('').includes('→ node2 (ok)') ? true : undefined), 20_000);
    stop.abort();

    // Assess
    expect(await watching).toBe(0);
    const lines = out.join('').split('\n');
    expect(lines).toContainEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z {2}group demo: owner node1 → node2 \(epoch 2, switchover\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/resource demo-vip: rtb-[0-9a-f]+ 10\.1\.0\.10\/32 → node2 \(ok\)$/));
    await eventually(async () => ((await trafficOn('node2')) ? true : undefined));
  });
});

describe('ec2-failover switchover (local world)', () => {
  it('with --wait returns once every route and the Elastic IP moved, both ways, and prints the time it took', async () => {
    // Act
    const back = await cli('switchover', '--group', 'demo', '--to', 'node1', '--wait');
    const onNode1 = await trafficOn('node1');
    const again = await cli('switchover', '--group', 'demo', '--to', 'node2', '--wait');
    const onNode2 = await trafficOn('node2');

    // Assess
    expect(back).toMatchObject({ code: 0, err: '' });
    expect(back.out).toMatch(/recorded switchover request \w+ for group demo to node1 by arn:aws:sts::\d+:user\/moto/);
    expect(back.out).toMatch(/group demo: every route and Elastic IP on node1 \d+\.\ds after the request/);
    expect(onNode1).toBe(true);
    expect(again.out).toMatch(/group demo: every route and Elastic IP on node2 \d+\.\ds after the request/);
    expect(onNode2).toBe(true);
  });

  it('says there is nothing to do for the current owner', async () => {
    // Act
    const result = await cli('switchover', '--group', 'demo', '--to', 'node2');

    // Assess
    expect(result).toMatchObject({ code: 0, out: expect.stringMatching(/^node2 already owns group demo/) });
  });

  it('refuses at once, records nothing, and exits 4 for a node whose instance is stopped or whose heartbeats stopped', async () => {
    // Prepare
    await moto.send(new StopInstancesCommand({ InstanceIds: [seed.ids.node1.instanceId] }));
    await eventually(async () => ((await verdicts.readVerdicts())?.nodes.node1?.state === 'failed' ? true : undefined));
    const before = (await state.readStatuses()).get('demo');

    // Act
    const stopped = await cli('switchover', '--group', 'demo', '--to', 'node1', '--wait');
    await moto.send(new StartInstancesCommand({ InstanceIds: [seed.ids.node1.instanceId] }));
    alive.delete(seed.ids.node1.instanceId);
    await eventually(async () => ((await verdicts.readVerdicts())?.nodes.node1?.reason.startsWith('heartbeat sequence stalled') ? true : undefined), 20_000);
    const dead = await cli('switchover', '--group', 'demo', '--to', 'node1');
    const after = (await state.readStatuses()).get('demo');
    alive.add(seed.ids.node1.instanceId);

    // Assess
    expect(stopped.code).toBe(4);
    expect(stopped.err).toMatch(/^EC2F-U003 "node1" is failed \(instance is stopped\) by the reconciler's verdict/);
    expect(dead.code).toBe(4);
    expect(dead.err).toMatch(/^EC2F-U003 "node1" is failed \(heartbeat sequence stalled at \d+ for/);
    expect(after).toMatchObject({ owner: 'node2', epoch: before?.epoch, request: undefined });
    await eventually(async () => ((await verdicts.readVerdicts())?.nodes.node1?.state === 'healthy' ? true : undefined), 20_000);
  });
});

describe('ec2-failover maintenance (local world)', () => {
  it('--on leaves a hand-changed route alone, a switchover is refused meanwhile, and --off --wait returns once it is repaired', async () => {
    // Prepare
    const [table] = seed.ids.routeTableIds;

    // Act
    const on = await cli('maintenance', '--group', 'demo', '--on', '--wait');
    await moto.send(new ReplaceRouteCommand({ RouteTableId: table, DestinationCidrBlock: '10.1.0.10/32', NetworkInterfaceId: seed.ids.node1.eniId }));
    const drifted = await eventually(async () => {
      const json = await statusJson();
      return json.resources[0].routes.some((r: { mark: string }) => r.mark === 'drift') ? json : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const leftAlone = await routeTargets();
    const refused = await cli('switchover', '--group', 'demo', '--to', 'node1');
    const off = await cli('maintenance', '--group', 'demo', '--off', '--wait');

    // Assess
    expect(on).toMatchObject({ code: 0, out: expect.stringMatching(/group demo: in effect \d+\.\ds after the request/) });
    expect(drifted.groups[0]).toMatchObject({ serving: 'no', maintenance: true });
    expect(drifted.groups[0].notes).toEqual(
      expect.arrayContaining([expect.stringMatching(/^not on node2: rtb-\w+ 10\.1\.0\.10\/32 drift \(→ eni-/), 'MAINTENANCE: observe only, no repair, no failover']),
    );
    expect(leftAlone).toContain(seed.ids.node1.eniId);
    expect(refused.code).toBe(4);
    expect(refused.err).toMatch(/^EC2F-U003 group "demo" is in maintenance/);
    expect(off).toMatchObject({ code: 0, out: expect.stringMatching(/group demo: every route and Elastic IP on node2 \d+\.\ds after the request/) });
    expect(await trafficOn('node2')).toBe(true);
  });
});

describe('ec2-failover history (local world)', () => {
  it('lists newest first, with who asked, why, and how long it took', async () => {
    // Act
    const { code, out } = await cli('history', '--group', 'demo', '--json');
    const text = await cli('history', '--group', 'demo', '--limit', '200');
    const lines = JSON.parse(out) as { at: number; kind: string; message: string; by: string; tookMs?: number }[];

    // Assess
    expect(code).toBe(0);
    expect(lines.map((l) => l.at)).toEqual([...lines.map((l) => l.at)].sort((a, b) => b - a));
    const asked = lines.find((l) => l.kind === 'request' && l.message.startsWith('switchover to node2 requested by'));
    expect(asked?.by).toMatch(/^arn:aws:sts::\d+:user\/moto$/);
    expect(asked?.tookMs).toBeGreaterThanOrEqual(0);
    const moved = lines.find((l) => l.kind === 'transition' && l.message.startsWith('switchover: node1 → node2'));
    expect(moved?.by).toMatch(/^reconciler, for arn:aws:sts::\d+:user\/moto$/);
    expect(moved?.tookMs).toBeGreaterThanOrEqual(0);
    expect(lines.find((l) => l.kind === 'maintenance' && l.message.startsWith('maintenance off requested by'))).toBeDefined();
    expect(text.out.split('\n')[0]).toMatch(/^\S+Z\s+demo\s+epoch \d+\s+\w+/);
    expect(text.out).toMatch(/switchover: node1 → node2: requested by operator \(\w+\)\s+by reconciler, for arn:aws:sts::\d+:user\/moto\s+took \d+\.\ds/);
  });
});
