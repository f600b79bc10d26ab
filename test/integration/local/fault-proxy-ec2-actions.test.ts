import {
  AssociateAddressCommand,
  CreateNetworkInterfaceCommand,
  CreateRouteCommand,
  DeleteNetworkInterfaceCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  ModifyNetworkInterfaceAttributeCommand,
  ReplaceRouteCommand,
  StopInstancesCommand,
  type EC2Client,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_UNRELATED_ROUTE, DEMO_VIRTUAL_IP, seedDemo, type DemoIds } from '../../../src/local/seed-demo';
import { startEc2TestWorld, type Ec2TestWorld } from '../../support/local-ec2-world';

const UNKNOWN_ROUTE_TABLE = 'rtb-0123456789abcdef0';
const UNKNOWN_ENI = 'eni-0123456789abcdef0';
const UNKNOWN_ALLOCATION = 'eipalloc-0123456789abcdef0';

function routeTo(table: RouteTable | undefined, destination: string): string | undefined {
  return table?.Routes?.find((route) => route.DestinationCidrBlock === destination)?.NetworkInterfaceId;
}

async function routeTable(ec2: EC2Client, routeTableId: string): Promise<RouteTable | undefined> {
  return (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [routeTableId] }))).RouteTables?.[0];
}

async function errorOf(call: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await call;
  } catch (error) {
    return { name: (error as Error).name, status: (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode };
  }
  throw new Error('the call succeeded; an error was expected');
}

describe('EC2 actions through the fault proxy', () => {
  let test: Ec2TestWorld;
  let ec2: EC2Client;
  let ids: DemoIds;

  beforeAll(async () => {
    test = await startEc2TestWorld();
    ec2 = test.ec2();
    ids = (await seedDemo(ec2, { region: test.world.region })).ids;
  });

  afterAll(async () => {
    await test?.stop();
  });

  describe('DescribeRouteTables', () => {
    it('finds every table of the VPC holding any of several destinations in one call', async () => {
      // Act
      const { RouteTables } = await ec2.send(
        new DescribeRouteTablesCommand({
          Filters: [
            { Name: 'vpc-id', Values: [ids.vpcId] },
            { Name: 'route.destination-cidr-block', Values: [DEMO_VIRTUAL_IP, '10.9.9.9/32'] },
          ],
          MaxResults: 100,
        }),
      );

      // Assess
      expect(RouteTables?.map((table) => table.RouteTableId).sort()).toEqual([...ids.routeTableIds].sort());
      expect(RouteTables?.every((table) => routeTo(table, DEMO_VIRTUAL_IP) === ids.node1.eniId)).toBe(true);
    });

    it('filters by route-table-id, by tag, and by route target', async () => {
      // Act
      const byId = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'route-table-id', Values: [ids.routeTableIds[2]] }] }));
      const byTag = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'tag:Name', Values: ['ec2f-demo-rt2'] }] }));
      const byTarget = await ec2.send(
        new DescribeRouteTablesCommand({ Filters: [{ Name: 'route.network-interface-id', Values: [ids.node2.eniId] }] }),
      );

      // Assess
      expect(byId.RouteTables?.map((table) => table.RouteTableId)).toEqual([ids.routeTableIds[2]]);
      expect(byTag.RouteTables?.map((table) => table.RouteTableId)).toEqual([ids.routeTableIds[1]]);
      expect(byTarget.RouteTables?.map((table) => table.RouteTableId)).toEqual([ids.routeTableIds[2]]);
    });

    it('answers InvalidRouteTableID.NotFound for an unknown table id', async () => {
      // Act
      const error = await errorOf(ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [UNKNOWN_ROUTE_TABLE] })));

      // Assess
      expect(error).toEqual({ name: 'InvalidRouteTableID.NotFound', status: 400 });
    });
  });

  describe('ReplaceRoute and CreateRoute', () => {
    it('repoints the virtual IP route to another ENI and leaves the unrelated route alone', async () => {
      // Prepare
      const tableId = ids.routeTableIds[2];

      // Act
      await ec2.send(new ReplaceRouteCommand({ RouteTableId: tableId, DestinationCidrBlock: DEMO_VIRTUAL_IP, NetworkInterfaceId: ids.node2.eniId }));

      // Assess
      const table = await routeTable(ec2, tableId);
      expect(routeTo(table, DEMO_VIRTUAL_IP)).toBe(ids.node2.eniId);
      expect(routeTo(table, DEMO_UNRELATED_ROUTE)).toBe(ids.node2.eniId);
      expect(routeTo(await routeTable(ec2, ids.routeTableIds[0]), DEMO_VIRTUAL_IP)).toBe(ids.node1.eniId);
    });

    it('answers a dry run with DryRunOperation and changes nothing', async () => {
      // Prepare
      const tableId = ids.routeTableIds[0];

      // Act
      const error = await errorOf(
        ec2.send(new ReplaceRouteCommand({ RouteTableId: tableId, DestinationCidrBlock: DEMO_VIRTUAL_IP, NetworkInterfaceId: ids.node2.eniId, DryRun: true })),
      );

      // Assess
      expect(error).toEqual({ name: 'DryRunOperation', status: 412 });
      expect(routeTo(await routeTable(ec2, tableId), DEMO_VIRTUAL_IP)).toBe(ids.node1.eniId);
    });

    it('names what is missing: table, route or ENI', async () => {
      // Act
      const unknownTable = await errorOf(
        ec2.send(new ReplaceRouteCommand({ RouteTableId: UNKNOWN_ROUTE_TABLE, DestinationCidrBlock: DEMO_VIRTUAL_IP, NetworkInterfaceId: ids.node1.eniId })),
      );
      const noSuchRoute = await errorOf(
        ec2.send(new ReplaceRouteCommand({ RouteTableId: ids.routeTableIds[0], DestinationCidrBlock: '10.1.0.99/32', NetworkInterfaceId: ids.node1.eniId })),
      );
      const unknownEni = await errorOf(
        ec2.send(new ReplaceRouteCommand({ RouteTableId: ids.routeTableIds[0], DestinationCidrBlock: DEMO_VIRTUAL_IP, NetworkInterfaceId: UNKNOWN_ENI })),
      );

      // Assess
      expect(unknownTable).toEqual({ name: 'InvalidRouteTableID.NotFound', status: 400 });
      expect(noSuchRoute).toEqual({ name: 'InvalidParameterValue', status: 400 });
      expect(unknownEni).toEqual({ name: 'InvalidNetworkInterfaceID.NotFound', status: 400 });
    });

    it('creates a route to an ENI', async () => {
      // Act
      await ec2.send(new CreateRouteCommand({ RouteTableId: ids.routeTableIds[1], DestinationCidrBlock: '10.1.0.30/32', NetworkInterfaceId: ids.node2.eniId }));

      // Assess
      expect(routeTo(await routeTable(ec2, ids.routeTableIds[1]), '10.1.0.30/32')).toBe(ids.node2.eniId);
    });
  });

  describe('Elastic IP', () => {
    it('describes the address by allocation id, on node1 after seeding', async () => {
      // Act
      const { Addresses } = await ec2.send(new DescribeAddressesCommand({ AllocationIds: [ids.allocationId] }));

      // Assess
      expect(Addresses).toHaveLength(1);
      expect(Addresses?.[0]).toMatchObject({ AllocationId: ids.allocationId, NetworkInterfaceId: ids.node1.eniId, PublicIp: ids.publicIp });
    });

    it('refuses to move an associated address without AllowReassociation', async () => {
      // Act
      const error = await errorOf(ec2.send(new AssociateAddressCommand({ AllocationId: ids.allocationId, NetworkInterfaceId: ids.node2.eniId })));

      // Assess
      expect(error).toEqual({ name: 'Resource.AlreadyAssociated', status: 400 });
    });

    it('moves the address to node2 with AllowReassociation and a private IP', async () => {
      // Act
      const { AssociationId } = await ec2.send(
        new AssociateAddressCommand({
          AllocationId: ids.allocationId,
          NetworkInterfaceId: ids.node2.eniId,
          PrivateIpAddress: ids.node2.privateIp,
          AllowReassociation: true,
        }),
      );

      // Assess
      const { Addresses } = await ec2.send(new DescribeAddressesCommand({ AllocationIds: [ids.allocationId] }));
      expect(Addresses?.[0]).toMatchObject({ AssociationId, NetworkInterfaceId: ids.node2.eniId, PrivateIpAddress: ids.node2.privateIp });
    });

    it('answers InvalidAllocationID.NotFound for an unknown allocation id', async () => {
      // Act
      const described = await errorOf(ec2.send(new DescribeAddressesCommand({ AllocationIds: [UNKNOWN_ALLOCATION] })));
      const associated = await errorOf(
        ec2.send(new AssociateAddressCommand({ AllocationId: UNKNOWN_ALLOCATION, NetworkInterfaceId: ids.node1.eniId, AllowReassociation: true })),
      );

      // Assess
      expect(described).toEqual({ name: 'InvalidAllocationID.NotFound', status: 400 });
      expect(associated).toEqual({ name: 'InvalidAllocationID.NotFound', status: 400 });
    });
  });

  describe('network interfaces', () => {
    it('shows source/dest check off on the nodes and lets it be changed', async () => {
      // Prepare
      const before = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [ids.node1.eniId, ids.node2.eniId] }));

      // Act
      await ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: ids.node2.eniId, SourceDestCheck: { Value: true } }));

      // Assess
      const after = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [ids.node2.eniId] }));
      expect(before.NetworkInterfaces?.map((eni) => eni.SourceDestCheck)).toEqual([false, false]);
      expect(after.NetworkInterfaces?.[0]?.SourceDestCheck).toBe(true);
      await ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: ids.node2.eniId, SourceDestCheck: { Value: false } }));
    });

    it('answers InvalidNetworkInterfaceID.NotFound once an ENI is deleted, to routes and addresses alike', async () => {
      // Prepare
      const { NetworkInterface } = await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: ids.subnetIds[0] }));
      const eniId = NetworkInterface?.NetworkInterfaceId as string;

      // Act
      await ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eniId }));

      // Assess
      const described = await errorOf(ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eniId] })));
      const routed = await errorOf(
        ec2.send(new ReplaceRouteCommand({ RouteTableId: ids.routeTableIds[0], DestinationCidrBlock: DEMO_VIRTUAL_IP, NetworkInterfaceId: eniId })),
      );
      const associated = await errorOf(
        ec2.send(new AssociateAddressCommand({ AllocationId: ids.allocationId, NetworkInterfaceId: eniId, AllowReassociation: true })),
      );
      const deletedAgain = await errorOf(ec2.send(new DeleteNetworkInterfaceCommand({ NetworkInterfaceId: eniId })));
      for (const error of [described, routed, associated, deletedAgain]) expect(error).toEqual({ name: 'InvalidNetworkInterfaceID.NotFound', status: 400 });
    });
  });

  describe('instances', () => {
    it('describes both nodes running, then node2 stopped after StopInstances', async () => {
      // Prepare
      const before = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [ids.node1.instanceId, ids.node2.instanceId] }));

      // Act
      const { StoppingInstances } = await ec2.send(new StopInstancesCommand({ InstanceIds: [ids.node2.instanceId] }));

      // Assess
      const after = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: [ids.node2.instanceId] }] }));
      const states = (before.Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []).map((instance) => instance.State?.Name);
      expect(states).toEqual(['running', 'running']);
      expect(StoppingInstances?.[0]?.PreviousState?.Name).toBe('running');
      expect(after.Reservations?.[0]?.Instances?.[0]?.State?.Name).toBe('stopped');
    });

    it('answers InvalidInstanceID.NotFound for an unknown instance', async () => {
      // Act
      const described = await errorOf(ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })));
      const stopped = await errorOf(ec2.send(new StopInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })));

      // Assess
      expect(described).toEqual({ name: 'InvalidInstanceID.NotFound', status: 400 });
      expect(stopped).toEqual({ name: 'InvalidInstanceID.NotFound', status: 400 });
    });
  });

  describe('pass-through', () => {
    async function rawPost(endpoint: string, form: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
          authorization: 'AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0',
        },
        body: form,
      });
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        // Both vary from one answer to the next, with or without a proxy.
        if (name !== 'date' && name !== 'x-amzn-requestid') headers[name] = value;
      });
      return { status: response.status, headers, body: await response.text() };
    }

    it('relays status, headers and body unchanged when no fault is set', async () => {
      // Prepare
      const success = `Action=DescribeRouteTables&Version=2016-11-15&Filter.1.Name=vpc-id&Filter.1.Value.1=${ids.vpcId}`;
      const failure = `Action=DescribeRouteTables&Version=2016-11-15&RouteTableId.1=${UNKNOWN_ROUTE_TABLE}`;

      // Act
      const [viaProxy, direct, failureViaProxy, failureDirect] = [
        await rawPost(test.world.ec2Endpoint, success),
        await rawPost(test.world.motoEndpoint, success),
        await rawPost(test.world.ec2Endpoint, failure),
        await rawPost(test.world.motoEndpoint, failure),
      ];

      // Assess
      expect(viaProxy.status).toBe(200);
      expect(viaProxy).toEqual(direct);
      expect(failureViaProxy.status).toBe(400);
      expect(failureViaProxy).toEqual(failureDirect);
    });
  });
});
