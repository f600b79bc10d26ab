import { CreateRouteCommand, DeleteRouteCommand, DescribeAddressesCommand, DescribeRouteTablesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySpec } from '../../../src/apply/spec-apply';
import { DynamoHeartbeatStore } from '../../../src/aws/dynamodb/heartbeat-store';
import { DynamoLeaseStore } from '../../../src/aws/dynamodb/lease-store';
import { DynamoStateStore } from '../../../src/aws/dynamodb/state-store';
import { Ec2Cloud } from '../../../src/aws/ec2/ec2-cloud';
import { newMemory, reconcileOnce } from '../../../src/core/reconcile';
import { seedDemo, type DemoSeed } from '../../../src/local/seed-demo';
import { testDynamoDbClient, uniqueTableName } from '../../support/local-dynamodb';
import { startEc2TestWorld, type Ec2TestWorld } from '../../support/local-ec2-world';

/*
 * A protected route deleted by hand from one table of `routeTables: all`, against moto behind the
 * fault proxy and DynamoDB Local: the reconciler reports it once (EC2F-R014, naming the table),
 * does not recreate it, changes nothing else, and reports it resolved once the route is back.
 */

const VIP = '10.1.0.10/32';

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

async function routesAndEip(): Promise<{ routes: Record<string, string | undefined>; eip: string | undefined }> {
  const { RouteTables } = await moto.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [seed.ids.vpcId] }] }));
  const routes: Record<string, string | undefined> = {};
  for (const table of RouteTables ?? []) {
    for (const route of table.Routes ?? []) routes[`${table.RouteTableId}:${route.DestinationCidrBlock}`] = route.NetworkInterfaceId ?? route.GatewayId;
  }
  const { Addresses } = await moto.send(new DescribeAddressesCommand({ AllocationIds: [seed.ids.allocationId] }));
  return { routes, eip: Addresses?.[0]?.NetworkInterfaceId };
}

async function reconciler() {
  const config = { ...seed.config, cluster: uniqueTableName('gone') };
  const dynamo = testDynamoDbClient();
  await applySpec(dynamo, config, { writer: 'test' });
  const documents = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const state = new DynamoStateStore(documents, config.cluster);
  const heartbeats = new DynamoHeartbeatStore(documents, config.cluster);
  let now = Date.now();
  const acquired = await new DynamoLeaseStore(documents, config.cluster).acquire('test-loop', 3_600_000, now);
  if (!acquired.acquired) throw new Error('lease not acquired');
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  const logger = { info: at('info'), warn: at('warn'), error: at('error') };
  const cloud = new Ec2Cloud(world.ec2({ requestTimeoutMs: 2000 }));
  const memory = newMemory();
  let seq = 0;
  const tick = async () => {
    seq += 1;
    for (const node of config.nodes) await heartbeats.writeHeartbeat({ instanceId: node.instanceId, seq, sentAt: now, leaving: false, checks: [] });
    now += 1000;
    return reconcileOnce({ state, heartbeats, cloud, clock: () => now, logger }, memory, { fence: acquired.fence, forceObserve: true, ec2WaitMs: 5000 });
  };
  return { tick, lines, state };
}

describe('a protected route deleted by hand (local world)', () => {
  it('is reported once naming its table, is not recreated, nothing else changes, and it is resolved once the route is back', async () => {
    // Prepare
    const r = await reconciler();
    for (let i = 0; i < 3; i++) await r.tick();
    const [table] = seed.ids.routeTableIds;
    const before = await routesAndEip();
    const status = (await r.state.readStatuses()).get('demo');

    // Act
    await moto.send(new DeleteRouteCommand({ RouteTableId: table, DestinationCidrBlock: VIP }));
    const report = await r.tick();
    await r.tick();
    const during = await routesAndEip();
    await moto.send(new CreateRouteCommand({ RouteTableId: table, DestinationCidrBlock: VIP, NetworkInterfaceId: seed.ids.node1.eniId }));
    await r.tick();

    // Assess
    expect(report.findings.filter((f) => f.code === 'EC2F-R014')).toEqual([expect.objectContaining({ group: 'demo', routeTable: table, resource: expect.any(String) })]);
    const reported = r.lines.filter((l) => l.fields?.code === 'EC2F-R014');
    expect(reported.map((l) => [l.level, l.fields?.routeTable, l.fields?.resolved])).toEqual([
      ['error', table, undefined],
      ['info', table, true],
    ]);
    const { [`${table}:${VIP}`]: deleted, ...others } = before.routes;
    expect(deleted).toBe(seed.ids.node1.eniId);
    expect(during.routes).toEqual(others);
    expect(during.eip).toBe(before.eip);
    expect((await r.state.readStatuses()).get('demo')).toMatchObject({ owner: status!.owner, epoch: status!.epoch, phase: 'steady' });
  }, 60_000);
});
