import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  CreateNetworkInterfaceCommand,
  DescribeInstancesCommand,
  EC2Client,
  ReplaceRouteCommand,
  StartInstancesCommand,
} from '@aws-sdk/client-ec2';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { startDynamoDbLocal, type DynamoDbLocal } from '../src/local/dynamodb-local';
import { localClientConfig } from '../src/local/local-credentials';
import { DEMO_VIRTUAL_IP, seedDemo, type DemoSeed } from '../src/local/seed-demo';
import { localWorldEnvironment, startLocalWorld, type LocalWorld } from '../src/local/world';
import { startDynamoDbRelay, type DynamoDbRelay } from '../test/support/dynamodb-relay';

/*
 * The local world of a whole campaign, started once: moto behind the fault proxy, a DynamoDB
 * Local of the campaign's own (so freezing it stalls nobody else) and a relay in front of it
 * that the product's processes use (so DynamoDB can be made slow for them alone). The demo
 * network is seeded once, plus an ENI that belongs to no node ("a stranger") and a second
 * Elastic IP on it that no resource protects: neither may ever change.
 */

export interface ChaosWorld {
  readonly dir: string;
  readonly region: string;
  readonly local: LocalWorld;
  readonly dynamo: DynamoDbLocal;
  readonly relay: DynamoDbRelay;
  readonly demo: DemoSeed;
  readonly strangerEni: string;
  readonly otherAllocationId: string;
  /** Straight to moto: what the checkers read and what "someone else" writes with. */
  readonly moto: EC2Client;
  /** Through the fault proxy (instance stop/start with their events). */
  readonly viaProxy: EC2Client;
  /** Straight to DynamoDB Local: the checkers' view. */
  readonly ddb: DynamoDBClient;
  /** Environment of the product's processes: EC2 through the proxy, DynamoDB through the relay. */
  readonly env: Record<string, string>;
  frozenDynamo: boolean;
  freezeDynamo(): void;
  thawDynamo(): void;
  /** Routes and the EIP back on node1, instances running, no fault rules: the start of every scenario. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export async function startChaosWorld(): Promise<ChaosWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'ec2f-chaos-'));
  const [worldResult, dynamoResult] = await Promise.allSettled([
    startLocalWorld({ withDynamoDb: false, eventSinkPath: join(dir, 'ec2-events.jsonl') }),
    startDynamoDbLocal(),
  ]);
  const local = worldResult.status === 'fulfilled' ? worldResult.value : undefined;
  const dynamo = dynamoResult.status === 'fulfilled' ? dynamoResult.value : undefined;
  if (!local || !dynamo) {
    await Promise.allSettled([local?.stop(), dynamo?.stop()]);
    rmSync(dir, { recursive: true, force: true });
    throw worldResult.status === 'rejected' ? worldResult.reason : (dynamoResult as PromiseRejectedResult).reason;
  }
  const region = local.region;
  const clients: { destroy(): void }[] = [];
  const ec2 = (endpoint: string) => {
    const client = new EC2Client({
      ...localClientConfig(endpoint, region),
      maxAttempts: 3,
      requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 10_000, throwOnRequestTimeout: true }),
    });
    clients.push(client);
    return client;
  };
  let relay: DynamoDbRelay | undefined;
  try {
    relay = await startDynamoDbRelay(dynamo.endpoint);
    const moto = ec2(local.motoEndpoint);
    const viaProxy = ec2(local.ec2Endpoint);
    const ddb = new DynamoDBClient({
      ...localClientConfig(dynamo.endpoint, region),
      maxAttempts: 2,
      requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 5000, throwOnRequestTimeout: true }),
    });
    clients.push(ddb);
    const demo = await seedDemo(moto, { region });
    const { NetworkInterface } = await moto.send(new CreateNetworkInterfaceCommand({ SubnetId: demo.ids.subnetIds[0], Description: 'ec2f-chaos stranger' }));
    const strangerEni = NetworkInterface!.NetworkInterfaceId!;
    const other = await moto.send(new AllocateAddressCommand({ Domain: 'vpc' }));
    await moto.send(new AssociateAddressCommand({ AllocationId: other.AllocationId!, NetworkInterfaceId: strangerEni }));
    const env = {
      ...localWorldEnvironment({ ec2Endpoint: local.ec2Endpoint, dynamoDbEndpoint: relay.endpoint, region }),
      DDB_LOCAL_TELEMETRY: '0',
      NODE_NO_WARNINGS: '1',
    };
    const signalDynamo = (signal: NodeJS.Signals) => {
      try {
        process.kill(-dynamo.pid, signal);
      } catch {
        // Gone already.
      }
    };
    const r = relay;
    const world: ChaosWorld = {
      dir,
      region,
      local,
      dynamo,
      relay: r,
      demo,
      strangerEni,
      otherAllocationId: other.AllocationId!,
      moto,
      viaProxy,
      ddb,
      env,
      frozenDynamo: false,
      freezeDynamo() {
        signalDynamo('SIGSTOP');
        world.frozenDynamo = true;
      },
      thawDynamo() {
        signalDynamo('SIGCONT');
        world.frozenDynamo = false;
      },
      async reset() {
        world.thawDynamo();
        r.pass();
        await local.proxyClient.reset();
        const ids = demo.ids;
        await Promise.all(
          ids.routeTableIds.map((table) =>
            moto.send(new ReplaceRouteCommand({ RouteTableId: table, DestinationCidrBlock: DEMO_VIRTUAL_IP, NetworkInterfaceId: ids.node1.eniId })),
          ),
        );
        await moto.send(new AssociateAddressCommand({ AllocationId: ids.allocationId, NetworkInterfaceId: ids.node1.eniId, PrivateIpAddress: ids.node1.privateIp, AllowReassociation: true }));
        const instanceIds = [ids.node1.instanceId, ids.node2.instanceId];
        const { Reservations } = await moto.send(new DescribeInstancesCommand({ InstanceIds: instanceIds }));
        const stopped = (Reservations ?? []).flatMap((r) => r.Instances ?? []).filter((i) => i.State?.Name !== 'running').map((i) => i.InstanceId!);
        if (stopped.length > 0) await viaProxy.send(new StartInstancesCommand({ InstanceIds: stopped }));
      },
      async stop() {
        world.thawDynamo();
        for (const client of clients) client.destroy();
        await Promise.allSettled([r.stop(), local.stop(), dynamo.stop({ graceMs: 1000 })]);
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return world;
  } catch (error) {
    for (const client of clients) client.destroy();
    await Promise.allSettled([relay?.stop(), local.stop(), dynamo.stop({ graceMs: 1000 })]);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
