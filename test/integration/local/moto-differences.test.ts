import {
  AssociateAddressCommand,
  CreateNetworkInterfaceCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  DeleteNetworkInterfaceCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  EC2Client,
  ReplaceRouteCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localClientConfig } from '../../../src/local/local-credentials';
import { startMotoServer, type MotoServer } from '../../../src/local/moto-server';
import { DEMO_UNRELATED_ROUTE, DEMO_VIRTUAL_IP, seedDemo, type DemoIds } from '../../../src/local/seed-demo';

/*
 * moto's own behaviour where it differs from EC2, asserted straight against moto (no proxy). These
 * tests document docs/moto-differences.md: when a moto upgrade changes one, the test fails and the
 * page (and perhaps the proxy's corrections) must follow. Product code must not rely on any of it.
 */

async function errorName(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    return (error as Error).name;
  }
}

async function routeTarget(ec2: EC2Client, routeTableId: string, destination: string) {
  const { RouteTables } = await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] }));
  return RouteTables?.[0]?.Routes?.find((route) => route.DestinationCidrBlock === destination);
}

describe('moto 5.2 where it differs from EC2', () => {
  let moto: MotoServer;
  let ec2: EC2Client;
  let ids: DemoIds;

  beforeAll(async () => {
    moto = await startMotoServer();
    ec2 = new EC2Client({ ...localClientConfig(moto.endpoint), maxAttempts: 1 });
    ids = (await seedDemo(ec2, { region: 'us-east-1' })).ids;
  });

  afterAll(async () => {
    ec2?.destroy();
    await moto?.stop();
  });

  it('ANDs the values of route.destination-cidr-block (EC2 ORs them)', async () => {
    // Act
    const both = await ec2.send(
      new DescribeRouteTablesCommand({ Filters: [{ Name: 'route.destination-cidr-block', Values: [DEMO_VIRTUAL_IP, DEMO_UNRELATED_ROUTE] }] }),
    );

    // Assess: EC2 would return all three tables that hold the virtual IP.
    expect(both.RouteTables?.map((table) => table.RouteTableId)).toEqual([ids.routeTableIds[2]]);
  });

  it('answers HTTP 500 to route.network-interface-id, route.instance-id and route.state filters', async () => {
    // Act
    const failures = await Promise.all(
      ['route.network-interface-id', 'route.instance-id', 'route.state', 'route.destination-ipv6-cidr-block'].map(async (name) => {
        try {
          await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: name, Values: ['x'] }] }));
          return undefined;
        } catch (error) {
          return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        }
      }),
    );

    // Assess
    expect(failures).toEqual([500, 500, 500, 500]);
  });

  it('accepts 201 filter values (EC2: FilterLimitExceeded) and ignores MaxResults on DescribeRouteTables', async () => {
    // Prepare
    const values = Array.from({ length: 201 }, (_, index) => `10.9.0.${index}/32`);
    // Six tables in all (two main ones, three seeded, this one), one more than the page size.
    await ec2.send(new CreateRouteTableCommand({ VpcId: ids.vpcId }));

    // Act
    const tooMany = await errorName(ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'route.destination-cidr-block', Values: values }] })));
    const page = await ec2.send(new DescribeRouteTablesCommand({ MaxResults: 5 }));

    // Assess
    expect(tooMany).toBeUndefined();
    expect(page.RouteTables?.length).toBe(6);
    expect(page.NextToken).toBeUndefined();
  });

  it('carries out ReplaceRoute with DryRun=true instead of answering DryRunOperation', async () => {
    // Act
    const answer = await errorName(
      ec2.send(new ReplaceRouteCommand({ RouteTableId: ids.routeTableIds[0], DestinationCidrBlock: DEMO_VIRTUAL_IP, NetworkInterfaceId: ids.node2.eniId, DryRun: true })),
    );

    // Assess
    expect(answer).toBeUndefined();
    expect((await routeTarget(ec2, ids.routeTableIds[0], DEMO_VIRTUAL_IP))?.NetworkInterfaceId).toBe(ids.node2.eniId);
  });

  it('accepts a CreateRoute for a destination the table already routes (EC2: RouteAlreadyExists)', async () => {
    // Act
    const duplicate = await errorName(
      ec2.send(new CreateRouteCommand({ RouteTableId: ids.routeTableIds[1], DestinationCidrBlock: DEMO_VIRTUAL_IP, NetworkInterfaceId: ids.node1.eniId })),
    );

    // Assess
    expect(duplicate).toBeUndefined();
  });

  it('keeps a route to a deleted ENI "active" (EC2: blackhole) and keeps the EIP association on it', async () => {
    // Prepare
    const { NetworkInterface } = await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: ids.subnetIds[0] }));
    const doomed = NetworkInterface?.NetworkInterfaceId as string;
    await ec2.send(new ReplaceRouteCommand({ RouteTableId: ids.routeTableIds[1], DestinationCidrBlock: DEMO_VIRTUAL_IP, NetworkInterfaceId: doomed }));
    await ec2.send(new AssociateAddressCommand({ AllocationId: ids.allocationId, NetworkInterfaceId: doomed, AllowReassociation: true }));

    // Act
    await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: doomed }));

    // Assess
    const route = await routeTarget(ec2, ids.routeTableIds[1], DEMO_VIRTUAL_IP);
    const { Addresses } = await ec2.send(new DescribeAddressesCommand({ AllocationIds: [ids.allocationId] }));
    expect(route).toMatchObject({ NetworkInterfaceId: doomed, State: 'active' });
    expect(Addresses?.[0]?.NetworkInterfaceId).toBe(doomed);
  });

  it('leaves a stale association on the old ENI after AllowReassociation; DescribeAddresses is right', async () => {
    // Prepare
    await ec2.send(new AssociateAddressCommand({ AllocationId: ids.allocationId, NetworkInterfaceId: ids.node1.eniId, AllowReassociation: true }));

    // Act
    await ec2.send(new AssociateAddressCommand({ AllocationId: ids.allocationId, NetworkInterfaceId: ids.node2.eniId, AllowReassociation: true }));

    // Assess
    const { NetworkInterfaces } = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [ids.node1.eniId, ids.node2.eniId] }));
    const { Addresses } = await ec2.send(new DescribeAddressesCommand({ AllocationIds: [ids.allocationId] }));
    expect(NetworkInterfaces?.map((eni) => eni.Association?.AllocationId)).toEqual([ids.allocationId, ids.allocationId]);
    expect(Addresses?.[0]).toMatchObject({ NetworkInterfaceId: ids.node2.eniId, InstanceId: '' });
  });

  it('accepts a PrivateIpAddress that is not on the ENI', async () => {
    // Act
    const answer = await errorName(
      ec2.send(
        new AssociateAddressCommand({ AllocationId: ids.allocationId, NetworkInterfaceId: ids.node2.eniId, PrivateIpAddress: '10.0.2.250', AllowReassociation: true }),
      ),
    );

    // Assess
    expect(answer).toBeUndefined();
  });

  it('stops at once, lets a terminated instance be "stopped", and keeps its primary ENI', async () => {
    // Act
    const stopping = await ec2.send(new StopInstancesCommand({ InstanceIds: [ids.node1.instanceId] }));
    const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [ids.node1.instanceId] }));
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [ids.node2.instanceId] }));
    const stopTerminated = await errorName(ec2.send(new StopInstancesCommand({ InstanceIds: [ids.node2.instanceId] })));
    const eniOfTerminated = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [ids.node2.eniId] }));

    // Assess
    expect(stopping.StoppingInstances?.[0]?.CurrentState?.Name).toBe('stopping');
    expect(described.Reservations?.[0]?.Instances?.[0]?.State?.Name).toBe('stopped');
    expect(stopTerminated).toBeUndefined();
    expect(eniOfTerminated.NetworkInterfaces?.[0]?.Attachment?.DeleteOnTermination).toBe(false);
  });
});
