import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DescribeAddressesCommand, DescribeNetworkInterfacesCommand, DescribeRouteTablesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseClusterConfigText } from '../../../src/core/config-text';
import { localClientConfig } from '../../../src/local/local-credentials';
import { runLocalUp } from '../../../src/local/local-up-command';
import { DEMO_UNRELATED_ROUTE, DEMO_VIRTUAL_IP, seedDemo, type DemoSeed } from '../../../src/local/seed-demo';
import type { LocalWorld } from '../../../src/local/world';
import { httpAnswers } from '../../../src/local/moto-server';
import { startEc2TestWorld, type Ec2TestWorld } from '../../support/local-ec2-world';

/** The id shapes the cluster config schema accepts. */
const ID_SHAPE = { instance: /^i-[0-9a-f]{8,17}$/, eni: /^eni-[0-9a-f]{8,17}$/, vpc: /^vpc-[0-9a-f]{8,17}$/, rtb: /^rtb-[0-9a-f]{8,17}$/, alloc: /^eipalloc-[0-9a-f]{8,17}$/ };

function collector(): { stream: { write(text: string): boolean }; text(): string } {
  let collected = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      collected += String(chunk);
      done();
    },
  });
  return { stream, text: () => collected };
}

describe('seedDemo', () => {
  let test: Ec2TestWorld;
  let ec2: EC2Client;
  let seed: DemoSeed;

  beforeAll(async () => {
    test = await startEc2TestWorld();
    ec2 = test.ec2();
    seed = await seedDemo(ec2, { region: test.world.region });
  });

  afterAll(async () => {
    await test?.stop();
  });

  it('gets ids of the shape AWS uses from moto', () => {
    // Assess
    const { ids } = seed;
    expect([ids.node1.instanceId, ids.node2.instanceId]).toEqual([expect.stringMatching(ID_SHAPE.instance), expect.stringMatching(ID_SHAPE.instance)]);
    expect([ids.node1.eniId, ids.node2.eniId]).toEqual([expect.stringMatching(ID_SHAPE.eni), expect.stringMatching(ID_SHAPE.eni)]);
    expect(ids.vpcId).toMatch(ID_SHAPE.vpc);
    expect(ids.routeTableIds.every((id) => ID_SHAPE.rtb.test(id))).toBe(true);
    expect(ids.allocationId).toMatch(ID_SHAPE.alloc);
  });

  it('points the virtual IP at node1 in all three tables, next to one unrelated route to node2', async () => {
    // Act
    const { RouteTables } = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [...seed.ids.routeTableIds] }));

    // Assess
    const targets = seed.ids.routeTableIds.map((routeTableId) => {
      const table = RouteTables?.find((candidate) => candidate.RouteTableId === routeTableId);
      const eniRoutes = (table?.Routes ?? []).filter((route) => route.NetworkInterfaceId !== undefined);
      return Object.fromEntries(eniRoutes.map((route) => [route.DestinationCidrBlock, route.NetworkInterfaceId]));
    });
    expect(targets).toEqual([
      { [DEMO_VIRTUAL_IP]: seed.ids.node1.eniId },
      { [DEMO_VIRTUAL_IP]: seed.ids.node1.eniId },
      { [DEMO_VIRTUAL_IP]: seed.ids.node1.eniId, [DEMO_UNRELATED_ROUTE]: seed.ids.node2.eniId },
    ]);
  });

  it('puts the nodes in two zones with source/dest check off and the Elastic IP on node1', async () => {
    // Act
    const { NetworkInterfaces } = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [seed.ids.node1.eniId, seed.ids.node2.eniId] }));
    const { Addresses } = await ec2.send(new DescribeAddressesCommand({ AllocationIds: [seed.ids.allocationId] }));

    // Assess
    const byEni = new Map(NetworkInterfaces?.map((eni) => [eni.NetworkInterfaceId, [eni.AvailabilityZone, eni.SourceDestCheck]]));
    expect([byEni.get(seed.ids.node1.eniId), byEni.get(seed.ids.node2.eniId)]).toEqual([
      ['us-east-1a', false],
      ['us-east-1b', false],
    ]);
    expect(Addresses?.[0]).toMatchObject({ Domain: 'vpc', NetworkInterfaceId: seed.ids.node1.eniId });
  });

  it('writes a config the cluster config parser accepts, naming the seeded resources', () => {
    // Act
    const spec = parseClusterConfigText(seed.yaml, 'local-demo.yaml');
    const raw = parse(seed.yaml) as typeof seed.config;

    // Assess
    expect(spec).toBeDefined();
    expect(raw).toEqual(seed.config);
    expect(seed.yaml).not.toMatch(/[&*]a\d/);
    expect(raw.nodes).toEqual([
      { id: 'node1', instanceId: seed.ids.node1.instanceId },
      { id: 'node2', instanceId: seed.ids.node2.instanceId },
    ]);
    expect(raw.resources.map((resource) => resource.mode)).toEqual(['route', 'eip']);
  });
});

describe('ec2-failover local up', () => {
  it('refuses unknown flags with EC2F-L007 and exit code 2', async () => {
    // Prepare
    const stdout = collector();
    const stderr = collector();

    // Act
    const code = await runLocalUp(['--ec2-port', 'eighty'], { stdout: stdout.stream, stderr: stderr.stream });
    const unknownCode = await runLocalUp(['--colour'], { stdout: stdout.stream, stderr: stderr.stream });

    // Assess
    expect([code, unknownCode]).toEqual([2, 2]);
    expect(stderr.text()).toContain('EC2F-L007 --ec2-port needs a port number');
    expect(stderr.text()).toContain('EC2F-L007 unknown argument "--colour"');
    expect(stdout.text()).toBe('');
  });

  it('runs the world in the foreground, seeds the demo, prints the exports, and stops everything', async () => {
    // Prepare
    const configOut = join(await mkdtemp(join(tmpdir(), 'ec2f-local-up-')), 'demo.yaml');
    const stdout = collector();
    const stderr = collector();
    const stop = new AbortController();
    let world: LocalWorld | undefined;
    let seenWhileUp: { ec2: boolean; tables: string[] } | undefined;

    // Act
    const code = await runLocalUp(['--seed', 'demo', `--config-out=${configOut}`], { stdout: stdout.stream, stderr: stderr.stream }, {
      stopSignal: stop.signal,
      onReady: (running) => {
        world = running;
        void (async () => {
          const dynamo = new DynamoDBClient(localClientConfig(running.dynamoDbEndpoint as string));
          try {
            seenWhileUp = { ec2: await httpAnswers(running.ec2Endpoint), tables: (await dynamo.send(new ListTablesCommand({}))).TableNames ?? [] };
          } finally {
            dynamo.destroy();
            stop.abort();
          }
        })();
      },
    });

    // Assess
    expect(code).toBe(0);
    expect(seenWhileUp?.ec2).toBe(true);
    const running = world as LocalWorld;
    expect(stdout.text()).toContain(
      `export AWS_ENDPOINT_URL_EC2=${running.ec2Endpoint} AWS_ENDPOINT_URL_DYNAMODB=${running.dynamoDbEndpoint} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing`,
    );
    expect(stdout.text()).toContain(`export EC2F_LOCAL_EVENT_SINK=${running.eventSinkPath}`);
    expect(stdout.text()).toContain(configOut);
    expect(parseClusterConfigText(await readFile(configOut, 'utf8'), configOut)).toBeDefined();
    expect(await httpAnswers(running.ec2Endpoint)).toBe(false);
    expect(await httpAnswers(running.motoEndpoint)).toBe(false);
    expect(await httpAnswers(running.dynamoDbEndpoint as string)).toBe(false);
    expect(() => process.kill(running.moto.pid, 0)).toThrow();
  });
});
