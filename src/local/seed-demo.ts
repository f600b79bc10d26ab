import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  AssociateRouteTableCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  ModifyNetworkInterfaceAttributeCommand,
  RunInstancesCommand,
  type EC2Client,
  type _InstanceType,
  type Instance,
  type ResourceType,
  type TagSpecification,
} from '@aws-sdk/client-ec2';
import { setTimeout as sleep } from 'node:timers/promises';
import { Document, isMap, isSeq } from 'yaml';
import { LocalErrorCode, localError } from './local-errors';

/**
 * Builds the demo network through ordinary EC2 calls, the way one would on AWS, and describes it
 * as a cluster config: two nodes in two AZs, a route-mode virtual IP in three route tables, and an
 * Elastic IP, all pointing at node1.
 */

export const DEMO_VPC_CIDR = '10.0.0.0/16';
export const DEMO_VIRTUAL_IP = '10.1.0.10/32';
/** A route the product must never touch: it shares a table with the VIP but is not protected. */
export const DEMO_UNRELATED_ROUTE = '10.1.0.20/32';

export interface DemoSeedOptions {
  readonly region: string;
  readonly clusterName?: string;
  /** AMI to launch; by default the newest Amazon Linux 2 image the endpoint lists. */
  readonly imageId?: string;
  readonly instanceType?: _InstanceType;
}

export interface DemoNodeIds {
  readonly instanceId: string;
  readonly eniId: string;
  readonly privateIp: string;
  readonly subnetId: string;
}

export interface DemoIds {
  readonly vpcId: string;
  readonly subnetIds: readonly [string, string];
  readonly routeTableIds: readonly [string, string, string];
  readonly node1: DemoNodeIds;
  readonly node2: DemoNodeIds;
  readonly allocationId: string;
  readonly publicIp: string;
  readonly associationId: string;
}

export interface DemoMember {
  readonly node: string;
  readonly eni: string;
  readonly priority: number;
}

/** The cluster config the demo network needs, in the shape src/core/config.ts validates. */
export interface DemoClusterConfig {
  readonly cluster: string;
  readonly region: string;
  readonly defaults: {
    readonly heartbeat: { readonly intervalSeconds: number; readonly missedBeats: number };
    readonly switchback: 'intelligent' | 'automatic';
    readonly checkIntervalSeconds: number;
    readonly driftCheckIntervalSeconds: number;
    readonly switchbackDwellSeconds: number;
    readonly fencing: 'none' | 'stop';
  };
  readonly nodes: ReadonlyArray<{ readonly id: string; readonly instanceId: string }>;
  readonly resources: ReadonlyArray<
    | {
        readonly id: string;
        readonly group: string;
        readonly mode: 'route';
        readonly vpcId: string;
        readonly vpcCidr: string;
        readonly destination: string;
        readonly routeTables: 'all';
        readonly members: readonly DemoMember[];
      }
    | {
        readonly id: string;
        readonly group: string;
        readonly mode: 'eip';
        readonly allocationId: string;
        readonly members: readonly DemoMember[];
      }
  >;
}

export interface DemoSeed {
  readonly ids: DemoIds;
  readonly config: DemoClusterConfig;
  readonly yaml: string;
}

function tags(resourceType: ResourceType, name: string): TagSpecification[] {
  return [{ ResourceType: resourceType, Tags: [{ Key: 'Name', Value: name }, { Key: 'ec2-failover:demo', Value: 'true' }] }];
}

function required<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw localError(LocalErrorCode.demoSeedFailed, `EC2 answered without ${what}`);
  return value;
}

async function step<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof Error && 'code' in error && String((error as { code: unknown }).code).startsWith('EC2F-')) throw error;
    throw localError(LocalErrorCode.demoSeedFailed, `seeding the demo failed at ${what}: ${(error as Error).message}`, error);
  }
}

async function newestAmazonLinuxImage(ec2: EC2Client): Promise<string> {
  const { Images } = await ec2.send(
    new DescribeImagesCommand({ Owners: ['amazon'], Filters: [{ Name: 'name', Values: ['amzn2-ami-hvm-*-x86_64-gp2'] }] }),
  );
  const newest = [...(Images ?? [])].sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0];
  return required(newest?.ImageId, 'an Amazon Linux 2 image');
}

async function waitForRunning(ec2: EC2Client, instanceIds: readonly string[]): Promise<Instance[]> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { Reservations } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [...instanceIds] }));
    const instances = (Reservations ?? []).flatMap((reservation) => reservation.Instances ?? []);
    if (instances.length === instanceIds.length && instances.every((instance) => instance.State?.Name === 'running')) {
      return instanceIds.map((id) => instances.find((instance) => instance.InstanceId === id) as Instance);
    }
    if (Date.now() > deadline) {
      throw localError(LocalErrorCode.demoSeedFailed, `instances ${instanceIds.join(', ')} did not reach running within 120 s`);
    }
    await sleep(1000);
  }
}

async function launchNode(ec2: EC2Client, name: string, subnetId: string, imageId: string, instanceType: _InstanceType): Promise<string> {
  const { Instances } = await ec2.send(
    new RunInstancesCommand({
      ImageId: imageId,
      InstanceType: instanceType,
      MinCount: 1,
      MaxCount: 1,
      SubnetId: subnetId,
      TagSpecifications: tags('instance', name),
    }),
  );
  return required(Instances?.[0]?.InstanceId, `the instance id of ${name}`);
}

function nodeIds(instance: Instance): DemoNodeIds {
  const primary = instance.NetworkInterfaces?.find((eni) => eni.Attachment?.DeviceIndex === 0) ?? instance.NetworkInterfaces?.[0];
  return {
    instanceId: required(instance.InstanceId, 'an instance id'),
    eniId: required(primary?.NetworkInterfaceId, `the primary ENI of ${instance.InstanceId}`),
    privateIp: required(primary?.PrivateIpAddress ?? instance.PrivateIpAddress, `the private IP of ${instance.InstanceId}`),
    subnetId: required(instance.SubnetId, `the subnet of ${instance.InstanceId}`),
  };
}

export function demoClusterConfig(ids: DemoIds, region: string, clusterName = 'demo'): DemoClusterConfig {
  // A fresh list per resource: a shared one would come out of the YAML writer as an anchor and alias.
  const members = (): DemoMember[] => [
    { node: 'node1', eni: ids.node1.eniId, priority: 1 },
    { node: 'node2', eni: ids.node2.eniId, priority: 10 },
  ];
  return {
    cluster: clusterName,
    region,
    defaults: {
      heartbeat: { intervalSeconds: 1, missedBeats: 3 },
      switchback: 'intelligent',
      checkIntervalSeconds: 1,
      driftCheckIntervalSeconds: 10,
      switchbackDwellSeconds: 60,
      fencing: 'none',
    },
    nodes: [
      { id: 'node1', instanceId: ids.node1.instanceId },
      { id: 'node2', instanceId: ids.node2.instanceId },
    ],
    resources: [
      {
        id: 'demo-vip',
        group: 'demo',
        mode: 'route',
        vpcId: ids.vpcId,
        vpcCidr: DEMO_VPC_CIDR,
        destination: DEMO_VIRTUAL_IP,
        routeTables: 'all',
        members: members(),
      },
      { id: 'demo-eip', group: 'demo', mode: 'eip', allocationId: ids.allocationId, members: members() },
    ],
  };
}

/** YAML with the short mappings (heartbeat, nodes, members) written inline, as a person would. */
export function demoConfigYaml(config: DemoClusterConfig, headerComment?: string): string {
  const document = new Document(config);
  if (headerComment !== undefined) document.commentBefore = headerComment;
  const heartbeat = document.getIn(['defaults', 'heartbeat'], true);
  if (isMap(heartbeat)) heartbeat.flow = true;
  const inlineItems = (path: readonly (string | number)[]): void => {
    const sequence = document.getIn(path, true);
    if (isSeq(sequence)) for (const item of sequence.items) if (isMap(item)) item.flow = true;
  };
  inlineItems(['nodes']);
  config.resources.forEach((_, index) => inlineItems(['resources', index, 'members']));
  return document.toString({ lineWidth: 0 });
}

/** Creates the demo network with `ec2` and returns its ids and the matching cluster config. */
export async function seedDemo(ec2: EC2Client, options: DemoSeedOptions): Promise<DemoSeed> {
  const region = options.region;
  const zones = [`${region}a`, `${region}b`] as const;
  const instanceType = options.instanceType ?? 't3.micro';

  const vpcId = await step('CreateVpc', async () =>
    required((await ec2.send(new CreateVpcCommand({ CidrBlock: DEMO_VPC_CIDR, TagSpecifications: tags('vpc', 'ec2f-demo') }))).Vpc?.VpcId, 'a VPC id'),
  );
  const [subnetA, subnetB] = await step('CreateSubnet', () =>
    Promise.all(
      zones.map(async (zone, index) =>
        required(
          (
            await ec2.send(
              new CreateSubnetCommand({
                VpcId: vpcId,
                CidrBlock: `10.0.${index + 1}.0/24`,
                AvailabilityZone: zone,
                TagSpecifications: tags('subnet', `ec2f-demo-${zone}`),
              }),
            )
          ).Subnet?.SubnetId,
          'a subnet id',
        ),
      ),
    ),
  );
  const subnetIds = [subnetA, subnetB] as const;

  const imageId = options.imageId ?? (await step('DescribeImages', () => newestAmazonLinuxImage(ec2)));
  const instanceIds = await step('RunInstances', () =>
    Promise.all([
      launchNode(ec2, 'node1', subnetIds[0], imageId, instanceType),
      launchNode(ec2, 'node2', subnetIds[1], imageId, instanceType),
    ]),
  );
  const [instance1, instance2] = (await step('DescribeInstances', () => waitForRunning(ec2, instanceIds))) as [Instance, Instance];
  const node1 = nodeIds(instance1);
  const node2 = nodeIds(instance2);

  // A node that forwards traffic for an address that is not its own needs the check off.
  await step('ModifyNetworkInterfaceAttribute', () =>
    Promise.all(
      [node1, node2].map((node) =>
        ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: node.eniId, SourceDestCheck: { Value: false } })),
      ),
    ),
  );

  const [table1, table2, table3] = await step('CreateRouteTable', () =>
    Promise.all(
      [1, 2, 3].map(async (number) =>
        required(
          (await ec2.send(new CreateRouteTableCommand({ VpcId: vpcId, TagSpecifications: tags('route-table', `ec2f-demo-rt${number}`) })))
            .RouteTable?.RouteTableId,
          'a route table id',
        ),
      ),
    ),
  );
  const routeTableIds = [table1, table2, table3] as const;
  // Tables 1 and 2 serve the subnets; table 3 stands for one serving elsewhere (a gateway, say).
  await step('AssociateRouteTable', () =>
    Promise.all(
      subnetIds.map((subnetId, index) =>
        ec2.send(new AssociateRouteTableCommand({ RouteTableId: routeTableIds[index] as string, SubnetId: subnetId })),
      ),
    ),
  );
  await step('CreateRoute', async () => {
    await Promise.all(
      routeTableIds.map((routeTableId) =>
        ec2.send(new CreateRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: DEMO_VIRTUAL_IP, NetworkInterfaceId: node1.eniId })),
      ),
    );
    await ec2.send(
      new CreateRouteCommand({ RouteTableId: routeTableIds[2], DestinationCidrBlock: DEMO_UNRELATED_ROUTE, NetworkInterfaceId: node2.eniId }),
    );
  });

  const address = await step('AllocateAddress', () =>
    ec2.send(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: tags('elastic-ip', 'ec2f-demo-eip') })),
  );
  const allocationId = required(address.AllocationId, 'an allocation id');
  const association = await step('AssociateAddress', () =>
    ec2.send(new AssociateAddressCommand({ AllocationId: allocationId, NetworkInterfaceId: node1.eniId, PrivateIpAddress: node1.privateIp })),
  );

  const ids: DemoIds = {
    vpcId,
    subnetIds,
    routeTableIds,
    node1,
    node2,
    allocationId,
    publicIp: required(address.PublicIp, 'a public IP'),
    associationId: required(association.AssociationId, 'an association id'),
  };
  const config = demoClusterConfig(ids, region, options.clusterName);
  const yaml = demoConfigYaml(config, ` ec2-failover demo cluster, seeded in region ${region} (VPC ${vpcId}).`);
  return { ids, config, yaml };
}
