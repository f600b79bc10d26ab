import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeAddressesCommand, DescribeRouteTablesCommand, ReplaceRouteCommand, StartInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DynamoHeartbeatStore } from '../../../src/aws/dynamodb/heartbeat-store';
import { applySpec } from '../../../src/apply/spec-apply';
import { DynamoStateStore } from '../../../src/aws/dynamodb/state-store';
import { localWorldEnvironment } from '../../../src/local/world';
import { seedDemo, type DemoSeed } from '../../../src/local/seed-demo';
import { CliProcess, eventually, killAllCliProcesses } from '../../support/cli-process';
import { testDynamoDbClient, testDynamoDbEndpoint, uniqueTableName } from '../../support/local-dynamodb';
import { startEc2TestWorld, type Ec2TestWorld } from '../../support/local-ec2-world';

/*
 * `ec2-failover controller` as real processes against the local world (moto behind the fault
 * proxy, DynamoDB Local), with intervals scaled down five-fold: heartbeats and ticks every
 * 200 ms, three missed beats, a drift check every second. Heartbeats come from a test helper.
 */

const BEAT_MS = 200;
const TICK_MS = 200;
const DRIFT_CHECK_MS = 1000;
const DETECTION_BOUND_MS = 3 * BEAT_MS + TICK_MS;
/** Process scheduling, DynamoDB Local and moto round trips on a busy 2-core machine. */
const SLACK_MS = 1500;
/** Starting a CLI process through tsx. */
const PROCESS_START_MS = 3000;

let ec2World: Ec2TestWorld;
let moto: EC2Client;
let seed: DemoSeed;
let configPath: string;
let env: Record<string, string>;
let store: DynamoStateStore;
let heartbeats: DynamoHeartbeatStore;
const beating = new Set<string>();
let pump: NodeJS.Timeout | undefined;
let eventSinkPath: string;

async function vipTargets(): Promise<string[]> {
  const { RouteTables } = await moto.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [seed.ids.vpcId] }] }));
  return (RouteTables ?? [])
    .flatMap((t) => t.Routes ?? [])
    .filter((r) => r.DestinationCidrBlock === '10.1.0.10/32')
    .map((r) => r.NetworkInterfaceId ?? '?');
}

async function eipTarget(): Promise<string | undefined> {
  const { Addresses } = await moto.send(new DescribeAddressesCommand({ AllocationIds: [seed.ids.allocationId] }));
  return Addresses?.[0]?.NetworkInterfaceId;
}

async function trafficOn(node: 'node1' | 'node2'): Promise<boolean> {
  const eni = seed.ids[node].eniId;
  const routes = await vipTargets();
  return routes.length === 3 && routes.every((t) => t === eni) && (await eipTarget()) === eni;
}

async function demoStatus() {
  return (await store.readStatuses()).get('demo');
}

async function timeUntilTrafficOn(node: 'node1' | 'node2', timeoutMs = 15_000): Promise<number> {
  const start = Date.now();
  await eventually(async () => ((await trafficOn(node)) ? true : undefined), timeoutMs, 25);
  return Date.now() - start;
}

function startController(holder: string): CliProcess {
  return CliProcess.start(['controller', '--config', configPath, '--events', eventSinkPath, '--holder', holder], env);
}

beforeAll(async () => {
  ec2World = await startEc2TestWorld();
  moto = ec2World.moto();
  eventSinkPath = ec2World.world.eventSinkPath;
  seed = await seedDemo(ec2World.ec2(), { region: ec2World.world.region });
  const cluster = uniqueTableName('ctl');
  const config = {
    ...seed.config,
    cluster,
    defaults: {
      ...seed.config.defaults,
      heartbeat: { intervalSeconds: BEAT_MS / 1000, missedBeats: 3 },
      checkIntervalSeconds: TICK_MS / 1000,
      driftCheckIntervalSeconds: DRIFT_CHECK_MS / 1000,
      tunables: { apiCallTimeoutSeconds: 1, restoreTimeoutSeconds: 5, recoverTimeoutSeconds: 5, removeTimeoutSeconds: 5, quickCheckTimeoutSeconds: 2 },
    },
  };
  configPath = join(mkdtempSync(join(tmpdir(), 'ec2f-controller-')), 'cluster.yaml');
  writeFileSync(configPath, stringify(config));
  const dynamo = testDynamoDbClient();
  await applySpec(dynamo, config, { writer: 'test' });
  const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  store = new DynamoStateStore(documents, cluster);
  heartbeats = new DynamoHeartbeatStore(documents, cluster);
  env = localWorldEnvironment({ ec2Endpoint: ec2World.world.ec2Endpoint, dynamoDbEndpoint: testDynamoDbEndpoint(), region: ec2World.world.region });

  const seq: Record<string, number> = {};
  beating.add(seed.ids.node1.instanceId).add(seed.ids.node2.instanceId);
  pump = setInterval(() => {
    for (const instanceId of beating) {
      seq[instanceId] = (seq[instanceId] ?? Date.now()) + 1;
      heartbeats.writeHeartbeat({ instanceId, seq: seq[instanceId]!, sentAt: Date.now(), leaving: false, checks: [] }).catch(() => undefined);
    }
  }, BEAT_MS);
}, 120_000);

afterAll(async () => {
  if (pump) clearInterval(pump);
  await killAllCliProcesses();
  await ec2World?.stop();
});

describe('ec2-failover controller (real processes, local world)', () => {
  let first: CliProcess;
  let second: CliProcess;

  it('takes the lease and owns the demo group with node1, logging each decision as JSON', async () => {
    // Act
    first = startController('c1');
    const line = await first.waitFor((l) => l.message === 'ownership changed');

    // Assess
    expect(line).toMatchObject({ level: 'info', group: 'demo', epoch: 1, to: 'node1', reason: 'initial', holder: 'c1' });
    expect(await trafficOn('node1')).toBe(true);
  });

  it('repairs a route changed by hand within one drift-check interval', async () => {
    // Prepare
    const [table] = seed.ids.routeTableIds;

    // Act
    await moto.send(new ReplaceRouteCommand({ RouteTableId: table, DestinationCidrBlock: '10.1.0.10/32', NetworkInterfaceId: seed.ids.node2.eniId }));
    const repairedIn = await timeUntilTrafficOn('node1');

    // Assess
    expect(repairedIn).toBeLessThan(DRIFT_CHECK_MS + TICK_MS + SLACK_MS);
    await first.waitFor((l) => l.message === 'action done' && l.reason === 'drift' && l.target === table);
    expect((await demoStatus())?.epoch).toBe(1);
  });

  it('fails over when node1 stops heartbeating, within missedBeats × interval plus a tick', async () => {
    // Act
    beating.delete(seed.ids.node1.instanceId);
    const movedIn = await timeUntilTrafficOn('node2');

    // Assess
    expect(movedIn).toBeLessThan(DETECTION_BOUND_MS + SLACK_MS);
    expect(await demoStatus()).toMatchObject({ owner: 'node2', epoch: 2 });
    // The figures operators alarm on, as CloudWatch embedded-metric lines on stdout.
    const emf = await first.waitFor((l) => l._aws !== undefined && l.FailoverSeconds !== undefined);
    expect(emf).toMatchObject({ service: 'ec2-failover', cluster: expect.any(String), group: 'demo' });
    expect(first.lines.some((l) => l._aws !== undefined && l.Failovers === 1 && l.group === 'demo')).toBe(true);
    // The silent node's heartbeat age; steady ticks publish nothing (no ReconcileTicks).
    expect(first.lines.some((l) => l._aws !== undefined && typeof l.HeartbeatAgeSeconds === 'number' && l.node === 'node1')).toBe(true);
    expect(first.lines.some((l) => l._aws !== undefined && l.ReconcileTicks !== undefined)).toBe(false);
  });

  it('moves the group within about a tick of an instance stop event', async () => {
    // Prepare: node1 is back (intelligent switchback: node2 stays)
    beating.add(seed.ids.node1.instanceId);
    await new Promise((r) => setTimeout(r, 3 * TICK_MS));
    expect(await demoStatus()).toMatchObject({ owner: 'node2' });

    // Act: node2's instance is stopped; its heartbeats go on, so only the event can move it
    await ec2World.world.proxyClient.stopInstance(seed.ids.node2.instanceId);
    const movedIn = await timeUntilTrafficOn('node1');

    // Assess
    expect(movedIn).toBeLessThan(TICK_MS + SLACK_MS);
    expect(await demoStatus()).toMatchObject({ owner: 'node1', epoch: 3 });
    await first.waitFor((l) => l.message === 'node event' && l.state === 'stopping');
  });

  it('a second controller stands by, and takes over within a tick of lease expiry when the first is killed with SIGKILL', async () => {
    // Prepare
    second = startController('c2');
    await second.waitFor((l) => l.message === 'standing by: lease held by another loop');

    // Act
    await first.kill('SIGKILL');
    const killedAt = Date.now();
    await second.waitFor((l) => l.message === 'lease acquired');
    const takeoverMs = Date.now() - killedAt;

    // Assess: the lease lives 3 ticks (at least 1 s) and is waited out, not stolen
    expect(takeoverMs).toBeLessThan(Math.max(1000, 3 * TICK_MS) + TICK_MS + SLACK_MS);
    expect(second.lines.find((l) => l.message === 'lease acquired')).toMatchObject({ tookOver: true, previousHolder: 'c1' });
    await new Promise((r) => setTimeout(r, 3 * TICK_MS));
    expect(await demoStatus()).toMatchObject({ owner: 'node1', epoch: 3 });
    expect(second.lines.some((l) => l.message === 'ownership changed')).toBe(false);
  });

  it('a controller killed mid-failover leaves a state that the next one finishes', async () => {
    // Prepare: node2 is started again and heartbeats; EC2 writes hang so a failover gets stuck half-way
    await ec2World.ec2().send(new StartInstancesCommand({ InstanceIds: [seed.ids.node2.instanceId] }));
    await new Promise((r) => setTimeout(r, DRIFT_CHECK_MS + 2 * TICK_MS));
    await ec2World.world.proxyClient.setFaults([
      { action: 'ReplaceRoute', hang: true },
      { action: 'AssociateAddress', hang: true },
    ]);
    beating.delete(seed.ids.node1.instanceId);
    await eventually(async () => ((await demoStatus())?.owner === 'node2' ? true : undefined));
    expect(await demoStatus()).toMatchObject({ owner: 'node2', epoch: 4, phase: 'failing-over' });

    // Act
    await second.kill('SIGKILL');
    await ec2World.world.proxyClient.clearFaults();
    const third = startController('c3');
    const finishedIn = await timeUntilTrafficOn('node2', 20_000);

    // Assess
    // The dead holder's lease is waited out (3 ticks, at least 1 s), then one tick acts; a process start on top.
    expect(finishedIn).toBeLessThan(Math.max(1000, 3 * TICK_MS) + TICK_MS + SLACK_MS + PROCESS_START_MS);
    await eventually(async () => ((await demoStatus())?.phase === 'steady' ? true : undefined));
    expect(await demoStatus()).toMatchObject({ owner: 'node2', epoch: 4 });
    const history = await store.readHistory({ group: 'demo', limit: 100 });
    const transitions = history.filter((h) => h.kind === 'transition').map((h) => h.epoch);
    expect(transitions).toEqual([1, 2, 3, 4]);
    expect((await third.kill('SIGTERM')).code).toBe(0);
  });
});
