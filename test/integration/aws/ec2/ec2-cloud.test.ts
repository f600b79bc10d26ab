import {
  CreateNetworkInterfaceCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteNetworkInterfaceCommand,
  DescribeAddressesCommand,
  DescribeRouteTablesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEc2Client } from '../../../../src/aws/ec2/client';
import { Ec2Cloud } from '../../../../src/aws/ec2/ec2-cloud';
import { Ec2ErrorCode } from '../../../../src/aws/ec2/errors';
import { parseClusterConfig } from '../../../../src/core/config';
import type { Action, ClusterSpec, GroupStatus, NodeId, Tunables } from '../../../../src/core/model';
import { planGroup } from '../../../../src/core/plan';
import { localClientConfig } from '../../../../src/local/local-credentials';
import { DEMO_UNRELATED_ROUTE, DEMO_VIRTUAL_IP, seedDemo, type DemoSeed } from '../../../../src/local/seed-demo';
import { startLocalWorld, type LocalWorld } from '../../../../src/local/world';

/*
 * Ec2Cloud end to end: the real SDK client, built by createEc2Client from the standard endpoint
 * variables, talking to moto through the fault-injection proxy. Setup and checks go to moto
 * directly, so they are neither counted nor faulted by the proxy.
 */

type ReplaceRouteAction = Extract<Action, { kind: 'replace-route' }>;

const fast: Tunables = {
  apiCallTimeoutSeconds: 2,
  restoreTimeoutSeconds: 20,
  removeTimeoutSeconds: 20,
  recoverTimeoutSeconds: 20,
  quickCheckTimeoutSeconds: 20,
  maxRetry: 3,
};

/** Budgets small enough that a fault that never lifts is given up on quickly. */
const impatient: Tunables = { ...fast, apiCallTimeoutSeconds: 0.3, restoreTimeoutSeconds: 1, recoverTimeoutSeconds: 1, quickCheckTimeoutSeconds: 1 };

let world: LocalWorld;
let moto: EC2Client;
let cloud: Ec2Cloud;
let demo: DemoSeed;
let spec: ClusterSpec;
const savedEnvironment = new Map<string, string | undefined>();

function demoSpec(tunables: Tunables): ClusterSpec {
  return parseClusterConfig({ ...demo.config, defaults: { ...demo.config.defaults, tunables } });
}

function statusOwnedBy(owner: NodeId, from: NodeId): GroupStatus {
  return {
    group: 'demo',
    owner,
    epoch: 2,
    phase: 'failing-over',
    version: 2,
    maintenance: false,
    repairFailures: 0,
    excluded: [],
    lastTransition: { at: 0, from, to: owner, reason: 'failover', epoch: 2, detail: 'test' },
  };
}

/** Every route of every table in the VPC, as `table destination → target`. */
async function routeSnapshot(vpcId: string): Promise<Map<string, string>> {
  const { RouteTables } = await moto.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }));
  const snapshot = new Map<string, string>();
  for (const table of RouteTables ?? []) {
    for (const route of table.Routes ?? []) {
      snapshot.set(`${table.RouteTableId} ${route.DestinationCidrBlock}`, route.NetworkInterfaceId ?? route.GatewayId ?? '?');
    }
  }
  return snapshot;
}

function changed(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after].filter(([key, target]) => before.get(key) !== target).map(([key]) => key).sort();
}

async function eipNetworkInterface(): Promise<string | undefined> {
  const { Addresses } = await moto.send(new DescribeAddressesCommand({ AllocationIds: [demo.ids.allocationId] }));
  return Addresses?.[0]?.NetworkInterfaceId;
}

/** Plans a move of the whole demo group to `owner` the way the reconciler does, and runs it. */
async function moveDemoTo(owner: NodeId, from: NodeId): Promise<Action[]> {
  const observation = await cloud.observe(spec);
  const plan = planGroup(spec, spec.groups[0]!, statusOwnedBy(owner, from), observation);
  const outcomes = await cloud.execute(plan.actions, fast);
  expect(outcomes.map((o) => o.result)).toEqual(plan.actions.map(() => 'ok'));
  return [...plan.actions];
}

beforeAll(async () => {
  world = await startLocalWorld({ withDynamoDb: false });
  for (const [name, value] of Object.entries(world.environment())) {
    savedEnvironment.set(name, process.env[name]);
    process.env[name] = value;
  }
  moto = new EC2Client(localClientConfig(world.motoEndpoint, world.region));
  cloud = new Ec2Cloud(createEc2Client({ region: world.region, apiCallTimeoutSeconds: fast.apiCallTimeoutSeconds }));
  demo = await seedDemo(moto, { region: world.region });
  spec = demoSpec(fast);
});

afterAll(async () => {
  moto?.destroy();
  await world?.stop();
  for (const [name, value] of savedEnvironment) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

beforeEach(async () => {
  await world.proxyClient.reset();
});

describe('Ec2Cloud against moto: observe and plan', () => {
  it('sees the protected routes, the Elastic IP and both instances, and a plan never names the unrelated route', async () => {
    // Act
    const observation = await cloud.observe(spec);
    const plan = planGroup(spec, spec.groups[0]!, statusOwnedBy('node2', 'node1'), observation);

    // Assess
    const tables = observation.routeTables[demo.ids.vpcId];
    if (!tables?.ok) throw new Error(`route tables unknown: ${tables ? tables.reason : 'missing'}`);
    expect(tables.value.map((t) => t.routeTableId).sort()).toEqual([...demo.ids.routeTableIds].sort());
    for (const table of tables.value) {
      expect(table.routes).toContainEqual(expect.objectContaining({ destination: DEMO_VIRTUAL_IP, networkInterfaceId: demo.ids.node1.eniId, state: 'active' }));
    }
    const third = tables.value.find((t) => t.routeTableId === demo.ids.routeTableIds[2]);
    expect(third?.routes).toContainEqual(expect.objectContaining({ destination: DEMO_UNRELATED_ROUTE }));
    expect(observation.addresses).toEqual({
      ok: true,
      value: { [demo.ids.allocationId]: expect.objectContaining({ exists: true, networkInterfaceId: demo.ids.node1.eniId }) },
    });
    expect(observation.instances).toEqual({ ok: true, value: { [demo.ids.node1.instanceId]: 'running', [demo.ids.node2.instanceId]: 'running' } });

    const routeActions = plan.actions.filter((a) => a.kind === 'replace-route');
    expect(routeActions).toHaveLength(3);
    expect(routeActions.every((a) => a.kind === 'replace-route' && a.destination === DEMO_VIRTUAL_IP)).toBe(true);
    expect(JSON.stringify(plan.actions)).not.toContain(DEMO_UNRELATED_ROUTE);
  });

  it('makes the same five EC2 calls to observe 1 route resource or 100 in one VPC', async () => {
    // Prepare: 100 destinations spread over 4 tables of a VPC of their own.
    const vpcId = (await moto.send(new CreateVpcCommand({ CidrBlock: '10.50.0.0/16' }))).Vpc!.VpcId!;
    const subnetId = (await moto.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.50.1.0/24' }))).Subnet!.SubnetId!;
    const eni = (await moto.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId }))).NetworkInterface!.NetworkInterfaceId!;
    const spareEni = (await moto.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId }))).NetworkInterface!.NetworkInterfaceId!;
    const tableIds = await Promise.all(
      [0, 1, 2, 3].map(async () => (await moto.send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!),
    );
    const destinations = Array.from({ length: 100 }, (_, i) => `10.60.${Math.floor(i / 50)}.${(i % 50) + 1}/32`);
    await Promise.all(
      destinations.map((destination, i) =>
        moto.send(new CreateRouteCommand({ RouteTableId: tableIds[i % 4], DestinationCidrBlock: destination, NetworkInterfaceId: eni })),
      ),
    );
    const specFor = (count: number): ClusterSpec =>
      parseClusterConfig({
        ...demo.config,
        defaults: { ...demo.config.defaults, tunables: fast },
        resources: [
          ...destinations.slice(0, count).map((destination, i) => ({
            id: `vip${i}`,
            group: 'bulk',
            mode: 'route' as const,
            vpcId,
            destination,
            routeTables: 'all' as const,
            members: [
              { node: 'node1', eni, priority: 1 },
              { node: 'node2', eni: spareEni, priority: 2 },
            ],
          })),
          demo.config.resources[1],
        ],
      });
    const callsToObserve = async (count: number) => {
      await world.proxyClient.resetCounters();
      const observation = await cloud.observe(specFor(count));
      const { calls } = await world.proxyClient.counters();
      return { observation, calls };
    };

    // Act
    const one = await callsToObserve(1);
    const hundred = await callsToObserve(100);

    // Assess
    const expected = { DescribeRouteTables: 1, DescribeAddresses: 1, DescribeInstances: 1, DescribeNetworkInterfaces: 1, DescribeVpcs: 1 };
    expect(one.calls).toEqual(expected);
    expect(hundred.calls).toEqual(expected);
    const seen = hundred.observation.routeTables[vpcId];
    if (!seen?.ok) throw new Error('route tables unknown');
    expect(seen.value).toHaveLength(4);
    const seenDestinations = seen.value.flatMap((t) => t.routes.filter((r) => r.networkInterfaceId === eni).map((r) => r.destination));
    expect(new Set(seenDestinations)).toEqual(new Set(destinations));
  });
});

describe('Ec2Cloud against moto: moving traffic', () => {
  it('moves every protected route and the Elastic IP to the new owner, and nothing else', async () => {
    // Prepare
    const before = await routeSnapshot(demo.ids.vpcId);

    // Act
    const toNode2 = await moveDemoTo('node2', 'node1');
    const afterFailover = await routeSnapshot(demo.ids.vpcId);
    const eniAfterFailover = await eipNetworkInterface();
    const observedAfterFailover = await cloud.observe(spec);
    await moveDemoTo('node1', 'node2');
    const afterSwitchback = await routeSnapshot(demo.ids.vpcId);

    // Assess
    const protectedKeys = demo.ids.routeTableIds.map((id) => `${id} ${DEMO_VIRTUAL_IP}`).sort();
    expect(toNode2.filter((a) => a.kind === 'replace-route')).toHaveLength(3);
    expect(changed(before, afterFailover)).toEqual(protectedKeys);
    for (const key of protectedKeys) expect(afterFailover.get(key)).toBe(demo.ids.node2.eniId);
    expect(changed(afterFailover, afterSwitchback)).toEqual(protectedKeys);
    // The unrelated route points at node2 from the start: moving the VIP back to node1 must leave it there.
    expect(afterSwitchback.get(`${demo.ids.routeTableIds[2]} ${DEMO_UNRELATED_ROUTE}`)).toBe(demo.ids.node2.eniId);
    expect([...afterSwitchback.keys()].sort()).toEqual([...before.keys()].sort());
    // moto keeps a stale association on the old ENI; DescribeAddresses is the source of truth.
    expect(eniAfterFailover).toBe(demo.ids.node2.eniId);
    expect(observedAfterFailover.addresses.ok && observedAfterFailover.addresses.value[demo.ids.allocationId]?.networkInterfaceId).toBe(
      demo.ids.node2.eniId,
    );
    expect(await eipNetworkInterface()).toBe(demo.ids.node1.eniId);
  });

  it('gets every route moved through EC2-style request throttling by backing off and retrying', async () => {
    // Prepare
    await world.proxyClient.setThrottling({ enabled: true, buckets: { ReplaceRoute: { capacity: 1, refillPerSecond: 4 } } });
    const actions: Action[] = demo.ids.routeTableIds.map((routeTableId) => ({
      kind: 'replace-route',
      group: 'demo',
      resource: 'demo-vip',
      epoch: 3,
      reason: 'failover',
      routeTableId,
      destination: DEMO_VIRTUAL_IP,
      networkInterfaceId: demo.ids.node2.eniId,
    }));

    // Act
    const outcomes = await cloud.execute(actions, fast);
    const { throttled } = await world.proxyClient.counters();
    await moveDemoTo('node1', 'node2');

    // Assess
    expect(outcomes.map((o) => o.result)).toEqual(['ok', 'ok', 'ok']);
    expect(throttled.ReplaceRoute).toBeGreaterThan(0);
  });
});

describe('Ec2Cloud against moto: faults', () => {
  const replaceVip: ReplaceRouteAction = {
    kind: 'replace-route',
    group: 'demo',
    resource: 'demo-vip',
    epoch: 3,
    reason: 'failover',
    routeTableId: '',
    destination: DEMO_VIRTUAL_IP,
    networkInterfaceId: '',
  };
  const toNode2 = (): ReplaceRouteAction => ({ ...replaceVip, routeTableId: demo.ids.routeTableIds[0], networkInterfaceId: demo.ids.node2.eniId });

  it.each([
    ['throttled', { errorCode: 'RequestLimitExceeded' }, /throttled \(RequestLimitExceeded/],
    ['a 500', { errorCode: 'InternalError' }, /server error \(InternalError/],
    ['a 503', { errorCode: 'Unavailable' }, /server error \(Unavailable/],
    ['hung', { hang: true }, /timed out \(Ec2CallTimeoutError: ReplaceRoute got no answer within \d+ ms/],
  ])('reports a ReplaceRoute that is %s until the budget runs out as unknown, and the route stays', async (_label, fault, message) => {
    // Prepare
    await world.proxyClient.setFaults([{ action: 'ReplaceRoute', ...fault }]);
    const before = await routeSnapshot(demo.ids.vpcId);

    // Act
    const [outcome] = await cloud.execute([toNode2()], impatient);

    // Assess
    expect(outcome).toMatchObject({ result: 'unknown', error: expect.stringMatching(message) });
    expect(outcome!.elapsedMs).toBeLessThan(1500);
    expect(changed(before, await routeSnapshot(demo.ids.vpcId))).toEqual([]);
  });

  it('rides out a short burst of 500s and throttles', async () => {
    // Prepare
    await world.proxyClient.setFaults([
      { action: 'AssociateAddress', errorCode: 'InternalError', times: 1 },
      { action: 'AssociateAddress', errorCode: 'RequestLimitExceeded', times: 1 },
    ]);
    const action: Action = {
      kind: 'associate-address',
      group: 'demo',
      resource: 'demo-eip',
      epoch: 3,
      reason: 'drift',
      allocationId: demo.ids.allocationId,
      networkInterfaceId: demo.ids.node1.eniId,
    };

    // Act
    const [outcome] = await cloud.execute([action], fast);
    const { faults } = await world.proxyClient.counters();

    // Assess
    expect(outcome).toMatchObject({ result: 'ok' });
    expect(faults.AssociateAddress).toEqual({ InternalError: 1, RequestLimitExceeded: 1 });
  });

  it('reports route tables it could not read as unknown, and still sees the rest', async () => {
    // Prepare
    await world.proxyClient.setFaults([{ action: 'DescribeRouteTables', errorCode: 'RequestLimitExceeded' }]);

    // Act
    const observation = await cloud.observe(demoSpec(impatient));

    // Assess
    expect(observation.routeTables[demo.ids.vpcId]).toEqual({ ok: false, reason: expect.stringMatching(/^EC2F-E008 DescribeRouteTables throttled/) });
    expect(observation.addresses.ok).toBe(true);
    expect(observation.instances.ok).toBe(true);
  });

  it('reports a ReplaceRoute or AssociateAddress to a deleted ENI as terminal EC2F-E001, at once', async () => {
    // Prepare: moto refuses both with InvalidNetworkInterfaceID.NotFound, as EC2 does.
    const eni = (await moto.send(new CreateNetworkInterfaceCommand({ SubnetId: demo.ids.subnetIds[0] }))).NetworkInterface!.NetworkInterfaceId!;
    await moto.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eni }));
    await world.proxyClient.resetCounters();
    const actions: Action[] = [
      { ...toNode2(), networkInterfaceId: eni },
      { kind: 'associate-address', group: 'demo', resource: 'demo-eip', epoch: 3, reason: 'failover', allocationId: demo.ids.allocationId, networkInterfaceId: eni },
    ];

    // Act
    const outcomes = await cloud.execute(actions, fast);
    const { calls } = await world.proxyClient.counters();

    // Assess
    expect(outcomes).toMatchObject([
      { result: 'terminal', code: Ec2ErrorCode.networkInterfaceNotFound, error: expect.stringContaining(eni) },
      { result: 'terminal', code: Ec2ErrorCode.networkInterfaceNotFound, error: expect.stringContaining(eni) },
    ]);
    expect(calls).toEqual({ ReplaceRoute: 1, AssociateAddress: 1 });
  });

  it('reports a ReplaceRoute for a destination the table lacks as terminal EC2F-E004', async () => {
    // Act
    const [outcome] = await cloud.execute([{ ...toNode2(), destination: '10.1.0.99/32' }], fast);

    // Assess
    expect(outcome).toMatchObject({ result: 'terminal', code: Ec2ErrorCode.routeNotFound });
  });
});
