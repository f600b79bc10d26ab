import { GetItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DescribeAddressesCommand, DescribeRouteTablesCommand } from '@aws-sdk/client-ec2';
import { DEMO_VIRTUAL_IP } from '../src/local/seed-demo';
import { historyTableName, resourcesTableName } from '../src/names';
import type { ChaosWorld } from './world';

/*
 * What the checkers see, read straight from moto and DynamoDB Local (never from the product):
 * the protected routes and EIP, everything else in the VPC's route tables and the other EIP,
 * each resource item's owner and epoch, the lease holder, and the group's history.
 */

export const GROUP = 'demo';
const RESOURCES = ['demo-vip', 'demo-eip'] as const;

export interface Ec2View {
  readonly at: number;
  /** Target ENI of the VIP route, per route table. */
  readonly vipRoutes: readonly string[];
  readonly eipEni: string | undefined;
  /** Every other route of the VPC's tables and the other EIP's association, as one string. */
  readonly untouchable: string;
}

export interface StatusView {
  readonly at: number;
  readonly resource: string;
  readonly owner: string | null | undefined;
  readonly epoch: number | undefined;
  readonly phase: string | undefined;
}

export interface HistoryView {
  readonly seq: string;
  readonly at: number;
  readonly kind: string;
  readonly epoch: number;
  readonly message: string;
}

const num = (value: AttributeValue | undefined): number | undefined => (value?.N === undefined ? undefined : Number(value.N));

export async function readEc2(world: ChaosWorld): Promise<Ec2View> {
  const at = Date.now();
  const ids = world.demo.ids;
  const [{ RouteTables }, { Addresses }] = await Promise.all([
    world.moto.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [ids.vpcId] }] })),
    world.moto.send(new DescribeAddressesCommand({ AllocationIds: [ids.allocationId, world.otherAllocationId] })),
  ]);
  const tables = [...(RouteTables ?? [])].sort((a, b) => (a.RouteTableId ?? '').localeCompare(b.RouteTableId ?? ''));
  const vipRoutes: string[] = [];
  const others: string[] = [];
  for (const table of tables) {
    for (const route of table.Routes ?? []) {
      if (route.DestinationCidrBlock === DEMO_VIRTUAL_IP) vipRoutes.push(route.NetworkInterfaceId ?? route.State ?? '?');
      else others.push(`${table.RouteTableId} ${route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock} ${route.NetworkInterfaceId ?? route.GatewayId ?? '?'}`);
    }
  }
  const eip = Addresses?.find((a) => a.AllocationId === ids.allocationId);
  const other = Addresses?.find((a) => a.AllocationId === world.otherAllocationId);
  others.push(`other-eip ${other?.NetworkInterfaceId ?? 'none'} ${other?.PrivateIpAddress ?? ''}`);
  return { at, vipRoutes, eipEni: eip?.NetworkInterfaceId, untouchable: others.sort().join('; ') };
}

export async function readStatuses(world: ChaosWorld, cluster: string): Promise<StatusView[]> {
  const at = Date.now();
  return Promise.all(
    RESOURCES.map(async (resource) => {
      const { Item } = await world.ddb.send(new GetItemCommand({ TableName: resourcesTableName(cluster), Key: { pk: { S: `resource#${resource}` } }, ConsistentRead: true }));
      const owner = Item?.owner === undefined ? undefined : Item.owner.NULL ? null : Item.owner.S;
      return { at, resource, owner, epoch: num(Item?.epoch), phase: Item?.phase?.S };
    }),
  );
}

export async function readLeaseHolder(world: ChaosWorld, cluster: string): Promise<string | undefined> {
  const { Item } = await world.ddb.send(new GetItemCommand({ TableName: resourcesTableName(cluster), Key: { pk: { S: 'lease#reconciler' } }, ConsistentRead: true }));
  return Item?.holder?.S;
}

export async function readHistory(world: ChaosWorld, cluster: string): Promise<HistoryView[]> {
  const entries: HistoryView[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await world.ddb.send(
      new QueryCommand({
        TableName: historyTableName(cluster),
        KeyConditionExpression: '#g = :g',
        ExpressionAttributeNames: { '#g': 'group' },
        ExpressionAttributeValues: { ':g': { S: GROUP } },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) {
      entries.push({ seq: item.seq?.S ?? '', at: num(item.at) ?? 0, kind: item.kind?.S ?? '?', epoch: num(item.epoch) ?? -1, message: item.message?.S ?? '' });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return entries.sort((a, b) => a.seq.localeCompare(b.seq));
}

/** Polls EC2 and the status in the background while a scenario runs; reads that fail (DynamoDB frozen) are skipped. */
export class Observer {
  readonly ec2: Ec2View[] = [];
  readonly statuses: StatusView[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(
    private readonly world: ChaosWorld,
    private readonly cluster: string,
    intervalMs = 150,
  ) {
    const loop = async (read: () => Promise<void>) => {
      while (this.running) {
        if (!(this.world.frozenDynamo && read === this.readStatus)) {
          try {
            await read();
          } catch {
            // Unreadable this time; the next poll will tell.
          }
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    };
    this.loops = [loop(this.readEc2), loop(this.readStatus)];
  }

  private readonly readEc2 = async () => {
    this.ec2.push(await readEc2(this.world));
  };

  private readonly readStatus = async () => {
    this.statuses.push(...(await readStatuses(this.world, this.cluster)));
  };

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}
