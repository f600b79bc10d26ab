import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AssociateVpcCidrBlockCommand,
  CreateRouteCommand,
  DeleteRouteCommand,
  DisassociateVpcCidrBlockCommand,
  ModifyNetworkInterfaceAttributeCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { DynamoHeartbeatStore } from '../../../src/aws/dynamodb/heartbeat-store';
import { applySpec } from '../../../src/apply/spec-apply';
import { cloudWatchCaller } from '../../../src/aws/cloudwatch/client';
import { LOCAL_CREDENTIALS } from '../../../src/local/local-credentials';
import { main } from '../../../src/cli/main';
import { seedDemo, type DemoSeed } from '../../../src/local/seed-demo';
import { testDynamoDbClient, testDynamoDbEndpoint, uniqueTableName } from '../../support/local-dynamodb';
import { startEc2TestWorld, type Ec2TestWorld } from '../../support/local-ec2-world';

/*
 * `validate --live` against the local world: it passes on the seeded demo, and each failure
 * seeded on purpose (source/dest check back on, a route deleted, the VIP inside a secondary
 * CIDR, an ENI of another instance, an agent that never beat) fails it with its own line.
 */

let ec2World: Ec2TestWorld;
let moto: EC2Client;
let seed: DemoSeed;
let folder: string;
let config: Record<string, any>;
let heartbeats: DynamoHeartbeatStore;

function writeConfig(name: string, edit: (c: Record<string, any>) => void = () => undefined): string {
  const copy = structuredClone(config);
  edit(copy);
  const path = join(folder, name);
  writeFileSync(path, stringify(copy));
  return path;
}

async function live(path: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['validate', '--live', '--config', path], { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } });
  return { code, out: out.join(''), err: err.join('') };
}

async function beat(): Promise<void> {
  for (const node of [seed.ids.node1, seed.ids.node2]) {
    await heartbeats.writeHeartbeat({ instanceId: node.instanceId, seq: Date.now(), sentAt: Date.now(), leaving: false, checks: [] });
  }
}

beforeAll(async () => {
  ec2World = await startEc2TestWorld();
  moto = ec2World.moto();
  seed = await seedDemo(ec2World.ec2(), { region: ec2World.world.region });
  // CloudWatch is moto's own (the fault proxy speaks EC2 only).
  Object.assign(process.env, ec2World.world.environment(), { AWS_ENDPOINT_URL_DYNAMODB: testDynamoDbEndpoint(), AWS_ENDPOINT_URL_CLOUDWATCH: ec2World.world.motoEndpoint });
  folder = mkdtempSync(join(tmpdir(), 'ec2f-live-'));
  config = { ...seed.config, cluster: uniqueTableName('live') };
  const dynamo = testDynamoDbClient();
  await applySpec(dynamo, config, { writer: 'test' });
  heartbeats = new DynamoHeartbeatStore(DynamoDBDocumentClient.from(dynamo), config.cluster);
  await beat();
}, 120_000);

afterAll(async () => {
  await ec2World?.stop();
});

describe('ec2-failover validate --live', () => {
  it('passes on the seeded demo world, one line per check', async () => {
    // Act
    const result = await live(writeConfig('demo.yaml'));

    // Assess
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const lines = result.out.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(result.out).toMatch(/^PASS {2}destination 10\.1\.0\.10\/32 \(demo-vip\): outside every CIDR block of vpc-\w+ \(10\.0\.0\.0\/16\)$/m);
    expect(result.out).toMatch(new RegExp(`^PASS  eni ${seed.ids.node2.eniId} \\(demo-vip, node2\\): attached to ${seed.ids.node2.instanceId}, source/destination check off$`, 'm'));
    expect(result.out).toMatch(/^PASS {2}routes to 10\.1\.0\.10\/32 \(demo-vip\): 3 table\(s\) hold it/m);
    expect(result.out).toMatch(/^PASS {2}elastic ip eipalloc-\w+ \(demo-eip\): [\d.]+ is a VPC address, on member ENI/m);
    expect(result.out).toMatch(/^PASS {2}permission ReplaceRoute \(demo-vip\): ec2:ReplaceRoute permitted \(DryRun\)$/m);
    expect(result.out).toMatch(/^PASS {2}permission AssociateAddress \(demo-eip\): ec2:AssociateAddress permitted \(DryRun\)$/m);
    expect(result.out).toMatch(new RegExp(`^PASS  table ${config.cluster}-resources: exists, ACTIVE$`, 'm'));
    expect(result.out).toMatch(/^PASS {2}heartbeat of node1 \(i-\w+\): seq \d+/m);
    expect(lines.at(-1)).toMatch(/^\d+ passed, \d+ warnings, 0 failed$/);
  });

  it('fails naming the source/dest check when it is turned back on', async () => {
    // Prepare
    await moto.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: seed.ids.node2.eniId, SourceDestCheck: { Value: true } }));

    // Act
    const result = await live(writeConfig('demo.yaml'));
    await moto.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: seed.ids.node2.eniId, SourceDestCheck: { Value: false } }));

    // Assess
    expect(result.code).toBe(2);
    expect(result.out).toContain(`FAIL  eni ${seed.ids.node2.eniId} (demo-vip, node2): source/destination check is on`);
    expect(result.out).toContain(`--network-interface-id ${seed.ids.node2.eniId} --no-source-dest-check`);
    expect(result.err).toMatch(/^EC2F-P001 1 preflight check\(s\) failed/);
  });

  it('fails naming the missing route when one is deleted', async () => {
    // Prepare
    const [, table] = seed.ids.routeTableIds;
    const listed = writeConfig('listed.yaml', (c) => (c.resources[0].routeTables = [...seed.ids.routeTableIds]));
    await moto.send(new DeleteRouteCommand({ RouteTableId: table, DestinationCidrBlock: '10.1.0.10/32' }));

    // Act
    const result = await live(listed);
    await moto.send(new CreateRouteCommand({ RouteTableId: table, DestinationCidrBlock: '10.1.0.10/32', NetworkInterfaceId: seed.ids.node1.eniId }));

    // Assess
    expect(result.code).toBe(2);
    expect(result.out).toContain(`FAIL  routes to 10.1.0.10/32 (demo-vip): no route for 10.1.0.10/32 in ${table} → Create it once: aws ec2 create-route`);
  });

  it('fails when the virtual IP lies inside a secondary CIDR block of the VPC', async () => {
    // Prepare
    const { CidrBlockAssociation } = await moto.send(new AssociateVpcCidrBlockCommand({ VpcId: seed.ids.vpcId, CidrBlock: '10.1.0.0/16' }));

    // Act
    const result = await live(writeConfig('demo.yaml'));
    await moto.send(new DisassociateVpcCidrBlockCommand({ AssociationId: CidrBlockAssociation!.AssociationId }));

    // Assess
    expect(result.code).toBe(2);
    expect(result.out).toMatch(/^FAIL {2}destination 10\.1\.0\.10\/32 \(demo-vip\): lies inside vpc-\w+'s CIDR 10\.1\.0\.0\/16/m);
  });

  it('fails for an ENI attached to another instance, and for a node without a heartbeat', async () => {
    // Prepare: node2 also names node1's ENI in the Elastic IP resource; a third node never beat.
    const path = writeConfig('wrong.yaml', (c) => {
      c.resources[1].members[1].eni = seed.ids.node1.eniId;
      c.resources[1].members[0].eni = seed.ids.node2.eniId;
    });

    // Act
    const result = await live(path);

    // Assess
    expect(result.code).toBe(2);
    expect(result.out).toContain(`FAIL  eni ${seed.ids.node1.eniId} (demo-eip, node2): attached to ${seed.ids.node1.instanceId}, not to node2's ${seed.ids.node2.instanceId}`);
  });

  it('fails for missing tables and heartbeats of a cluster never applied', async () => {
    // Act
    const result = await live(writeConfig('fresh.yaml', (c) => (c.cluster = uniqueTableName('never'))));

    // Assess
    expect(result.code).toBe(2);
    expect(result.out).toMatch(/^FAIL {2}table never-\w+-resources: does not exist → Run ec2-failover apply/m);
  });

  it('warns about a CloudWatch alarm that recovers a node, and about automatic recovery EC2 does not report', async () => {
    // Prepare: an alarm on node1's system status check whose action recovers the instance.
    const cloudWatch = cloudWatchCaller({ region: ec2World.world.region, credentials: async () => LOCAL_CREDENTIALS, timeoutMs: 5000, endpoint: ec2World.world.motoEndpoint });
    const alarm = { AlarmName: 'node1-recover', Namespace: 'AWS/EC2', MetricName: 'StatusCheckFailed_System', Statistic: 'Maximum', Period: 60, EvaluationPeriods: 2, Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' };
    await cloudWatch('PutMetricAlarm', { ...alarm, Dimensions: [{ Name: 'InstanceId', Value: seed.ids.node1.instanceId }], AlarmActions: [`arn:aws:automate:${ec2World.world.region}:ec2:recover`] });

    // Act
    const result = await live(writeConfig('demo.yaml'));
    await cloudWatch('DeleteAlarms', { AlarmNames: ['node1-recover'] });

    // Assess
    expect(result.code).toBe(0);
    expect(result.out).toContain(`WARN  recovery alarms of ${seed.ids.node1.instanceId} (node1): node1-recover (recover) act on it`);
    expect(result.out).toMatch(new RegExp(`^PASS  recovery alarms of ${seed.ids.node2.instanceId} \\(node2\\): no CloudWatch alarm recovers or reboots it \\(\\d+ alarms read\\)$`, 'm'));
    expect(result.out).toContain(`WARN  auto recovery of ${seed.ids.node1.instanceId} (node1): EC2 did not report MaintenanceOptions.AutoRecovery`);
  });

  it('makes an unreachable CloudWatch one warning, not a failure', async () => {
    // Prepare
    process.env.AWS_ENDPOINT_URL_CLOUDWATCH = 'http://127.0.0.1:9';

    // Act
    const result = await live(writeConfig('demo.yaml')).finally(() => (process.env.AWS_ENDPOINT_URL_CLOUDWATCH = ec2World.world.motoEndpoint));

    // Assess
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^WARN {2}recovery alarms: not checked: CloudWatch could not be read \(ECONNREFUSED: .*\) → Check the endpoint/m);
  });
});
