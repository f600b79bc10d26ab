import { DeleteNetworkInterfaceCommand, DescribeAddressesCommand, DescribeRouteTablesCommand, ReplaceRouteCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ec2Cloud } from '../../../src/aws/ec2/ec2-cloud';
import { DynamoHeartbeatStore } from '../../../src/aws/dynamodb/heartbeat-store';
import { DynamoLeaseStore } from '../../../src/aws/dynamodb/lease-store';
import { applySpec } from '../../../src/apply/spec-apply';
import { DynamoStateStore } from '../../../src/aws/dynamodb/state-store';
import { parseClusterConfig } from '../../../src/core/config';
import { newMemory, reconcileOnce, type ReconcileMemory } from '../../../src/core/reconcile';
import type { CloudPort, FencingToken } from '../../../src/core/ports';
import { seedDemo, type DemoSeed } from '../../../src/local/seed-demo';
import { SimCloud } from '../../../src/sim/sim-cloud';
import { testDynamoDbClient, uniqueTableName } from '../../support/local-dynamodb';
import { startEc2TestWorld, type Ec2TestWorld } from '../../support/local-ec2-world';

/*
 * One reconcile wired end to end: the real EC2 adapter through the fault proxy to moto, the
 * real DynamoDB state store on DynamoDB Local, the engine in between, on a clock the test moves
 * one second per tick. The same scenario is also run against the in-memory EC2, an emulator
 * written independently of moto, and must end in the same place.
 */

let world: Ec2TestWorld;
let moto: EC2Client;
let seed: DemoSeed;

beforeAll(async () => {
  world = await startEc2TestWorld();
  moto = world.moto();
  seed = await seedDemo(world.ec2(), { region: world.world.region });
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

/** A cluster over the seeded demo network, its own tables, heartbeats on demand and a fake clock. */
async function cluster(maxRetry = 3) {
  const config = { ...seed.config, cluster: uniqueTableName('rec'), defaults: { ...seed.config.defaults, tunables: { maxRetry, apiCallTimeoutSeconds: 0.5, restoreTimeoutSeconds: 1, recoverTimeoutSeconds: 1, quickCheckTimeoutSeconds: 1 } } };
  const dynamo = testDynamoDbClient();
  await applySpec(dynamo, config, { writer: 'test' });
  const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const state = new DynamoStateStore(documents, config.cluster);
  const heartbeats = new DynamoHeartbeatStore(documents, config.cluster);
  const lease = new DynamoLeaseStore(documents, config.cluster);
  let now = Date.now();
  const acquired = await lease.acquire('test-loop', 3_600_000, now);
  if (!acquired.acquired) throw new Error('lease not acquired');
  const fence: FencingToken = acquired.fence;
  const seq: Record<string, number> = {};
  const alive = new Set(['node1', 'node2']);
  const cloud = new Ec2Cloud(world.ec2({ requestTimeoutMs: 500 }));
  const memory: ReconcileMemory = newMemory();
  const instanceOf = (node: string) => config.nodes.find((n) => n.id === node)!.instanceId;

  /** One heartbeat interval passes: the live nodes beat, the clock moves a second. */
  const beat = async () => {
    for (const node of alive) {
      seq[node] = (seq[node] ?? 0) + 1;
      await heartbeats.writeHeartbeat({ instanceId: instanceOf(node), seq: seq[node]!, sentAt: now, leaving: false, checks: [] });
    }
    now += 1000;
  };
  const reconcile = (options: { memory?: ReconcileMemory; cloudPort?: CloudPort } = {}) =>
    reconcileOnce({ state, heartbeats, cloud: options.cloudPort ?? cloud, clock: () => now }, options.memory ?? memory, { fence, forceObserve: true });
  const tick = async (options: { memory?: ReconcileMemory; cloudPort?: CloudPort } = {}) => {
    await beat();
    return reconcile(options);
  };
  return { config, state, alive, tick, beat, reconcile, fence, memory };
}


async function vipTargets(): Promise<Record<string, string | undefined>> {
  const { RouteTables } = await moto.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [seed.ids.vpcId] }] }));
  const targets: Record<string, string | undefined> = {};
  for (const table of RouteTables ?? []) {
    for (const route of table.Routes ?? []) {
      if (route.DestinationCidrBlock?.endsWith('/32')) targets[`${table.RouteTableId}:${route.DestinationCidrBlock}`] = route.NetworkInterfaceId;
    }
  }
  return targets;
}

async function eipTarget(): Promise<string | undefined> {
  const { Addresses } = await moto.send(new DescribeAddressesCommand({ AllocationIds: [seed.ids.allocationId] }));
  return Addresses?.[0]?.NetworkInterfaceId;
}

async function pointEverythingAt(node: 'node1' | 'node2'): Promise<void> {
  const { RouteTables } = await moto.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [seed.ids.vpcId] }] }));
  for (const table of RouteTables ?? []) {
    if (table.Routes?.some((r) => r.DestinationCidrBlock === '10.1.0.10/32'))
      await moto.send(new ReplaceRouteCommand({ RouteTableId: table.RouteTableId, DestinationCidrBlock: '10.1.0.10/32', NetworkInterfaceId: seed.ids[node].eniId }));
  }
  await world.world.proxyClient.clearFaults();
  const { AssociateAddressCommand } = await import('@aws-sdk/client-ec2');
  await moto.send(new AssociateAddressCommand({ AllocationId: seed.ids.allocationId, NetworkInterfaceId: seed.ids[node].eniId, AllowReassociation: true }));
}

/** Where the protected routes and the EIP point, by node name: comparable across emulators. */
function byNode(targets: Record<string, string | undefined>, eip: string | undefined) {
  const name = (eni: string | undefined) => (eni === seed.ids.node1.eniId ? 'node1' : eni === seed.ids.node2.eniId ? 'node2' : eni);
  const vip = Object.entries(targets).filter(([key]) => key.endsWith(':10.1.0.10/32')).map(([, eni]) => name(eni));
  return { vip: vip.sort(), eip: name(eip) };
}

describe('one reconcile against the local world', () => {
  it('fails over: every protected route and the EIP move together, the unrelated /32 stays', async () => {
    // Prepare
    await pointEverythingAt('node1');
    const c = await cluster();
    await c.tick();
    await c.tick();
    const before = await vipTargets();

    // Act
    c.alive.delete('node1');
    for (let i = 0; i < 5; i++) await c.tick();

    // Assess
    const after = await vipTargets();
    expect((await c.state.readStatuses()).get('demo')).toMatchObject({ owner: 'node2', epoch: 2, phase: 'steady' });
    expect(byNode(after, await eipTarget())).toEqual({ vip: ['node2', 'node2', 'node2'], eip: 'node2' });
    const unrelated = Object.keys(before).find((k) => k.endsWith(':10.1.0.20/32'))!;
    expect(after[unrelated]).toBe(before[unrelated]);
  });

  it('ends where the independent in-memory EC2 ends for the same scenario', async () => {
    // Prepare: the same cluster over the in-memory EC2, built from the seeded ids
    await pointEverythingAt('node1');
    const c = await cluster();
    const spec = parseClusterConfig(c.config);
    const sim = new SimCloud(Date.now);
    for (const id of seed.ids.routeTableIds) sim.addTable(id, seed.ids.vpcId, { '10.0.0.0/16': 'local', '10.1.0.10/32': seed.ids.node1.eniId });
    sim.enis.add(seed.ids.node1.eniId).add(seed.ids.node2.eniId);
    sim.addresses.set(seed.ids.allocationId, { networkInterfaceId: seed.ids.node1.eniId });
    for (const node of spec.nodes) sim.instances.set(node.instanceId, 'running');
    const simMemory = newMemory();

    // Act: the same ticks, once with the real adapter, once with the in-memory EC2
    for (let i = 0; i < 2; i++) await c.tick();
    c.alive.delete('node1');
    for (let i = 0; i < 5; i++) await c.tick();
    const real = byNode(await vipTargets(), await eipTarget());
    const simulated = await (async () => {
      const s = await cluster();
      for (let i = 0; i < 2; i++) await s.tick({ memory: simMemory, cloudPort: sim });
      s.alive.delete('node1');
      for (let i = 0; i < 5; i++) await s.tick({ memory: simMemory, cloudPort: sim });
      const targets: Record<string, string | undefined> = {};
      for (const id of seed.ids.routeTableIds) targets[`${id}:10.1.0.10/32`] = sim.routeTarget(id, '10.1.0.10/32');
      return byNode(targets, sim.addresses.get(seed.ids.allocationId)?.networkInterfaceId);
    })();

    // Assess
    expect(real).toEqual({ vip: ['node2', 'node2', 'node2'], eip: 'node2' });
    expect(simulated).toEqual(real);
  });

  it('never fails over while every EC2 call is throttled, failing with 500 or hanging', async () => {
    // Prepare
    await pointEverythingAt('node1');
    const c = await cluster();
    await c.tick();
    await c.tick();
    await moto.send(new ReplaceRouteCommand({ RouteTableId: seed.ids.routeTableIds[0], DestinationCidrBlock: '10.1.0.10/32', NetworkInterfaceId: seed.ids.node2.eniId }));

    // Act
    for (const fault of [
      { action: '*', errorCode: 'RequestLimitExceeded' },
      { action: '*', errorCode: 'InternalError' },
      { action: '*', hang: true },
    ]) {
      await world.world.proxyClient.setFaults([fault]);
      for (let i = 0; i < 2; i++) await c.tick();
    }
    await world.world.proxyClient.clearFaults();

    // Assess
    expect((await c.state.readStatuses()).get('demo')).toMatchObject({ owner: 'node1', epoch: 1, repairFailures: 0 });
  }, 60_000);

  it('lets only one of two reconcilers racing on the same stale read win ownership', async () => {
    // Prepare: two reconcilers have both watched node1, which then stops beating for 4 s
    const c = await cluster();
    const other = newMemory();
    await c.tick();
    await c.reconcile({ memory: other });
    await c.tick();
    await c.reconcile({ memory: other });
    c.alive.delete('node1');
    for (let i = 0; i < 4; i++) await c.beat();

    // Act: both decide from the same state at the same moment
    const [a, b] = await Promise.all([c.reconcile(), c.reconcile({ memory: other })]);

    // Assess
    const winners = [a, b].filter((r) => r.transitions.length > 0);
    const losers = [a, b].filter((r) => r.conflicts.includes('demo'));
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect((await c.state.readStatuses()).get('demo')).toMatchObject({ owner: 'node2', epoch: 2 });
  });
  it('treats a deleted ENI as terminal and fails over after maxRetry failed repairs', async () => {
    // Prepare (last: it destroys node1's ENI): node1 owns; its ENI is deleted and a route drifts, so the repair must fail
    await pointEverythingAt('node1');
    const c = await cluster(2);
    await c.tick();
    await c.tick();
    await moto.send(new ReplaceRouteCommand({ RouteTableId: seed.ids.routeTableIds[0], DestinationCidrBlock: '10.1.0.10/32', NetworkInterfaceId: seed.ids.node2.eniId }));
    await moto.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: seed.ids.node1.eniId }));

    // Act
    const reports = [];
    for (let i = 0; i < 4; i++) reports.push(await c.tick());

    // Assess
    const terminal = reports.flatMap((r) => r.outcomes).filter((o) => o.result === 'terminal');
    expect(terminal[0]).toMatchObject({ code: 'EC2F-E001' });
    const status = (await c.state.readStatuses()).get('demo')!;
    expect(status).toMatchObject({ owner: 'node2', epoch: 2, excluded: ['node1'] });
    expect(status.lastTransition?.reason).toBe('repair-failed');
    expect(byNode(await vipTargets(), await eipTarget())).toEqual({ vip: ['node2', 'node2', 'node2'], eip: 'node2' });
  });

});
