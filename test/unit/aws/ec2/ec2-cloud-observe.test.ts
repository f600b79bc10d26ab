import {
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeVpcsCommand,
  EC2Client,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { allCustomMatcher, type CustomMatcher } from 'aws-sdk-client-mock-vitest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Ec2Cloud } from '../../../../src/aws/ec2/ec2-cloud';
import type { ClusterSpec, ResourceSpec, Tunables } from '../../../../src/core/model';
import { awsError, defaultTunables, steppedTime } from '../../../support/ec2-unit';

expect.extend(allCustomMatcher);
// Types for the aws-sdk-client-mock-vitest matchers registered above.
declare module 'vitest' {
  interface Matchers<T = any> extends CustomMatcher<T> {}
}

const VPC = 'vpc-0aaa1111';
const OTHER_VPC = 'vpc-0bbb2222';
const ENI_A = 'eni-0a00000001';
const ENI_B = 'eni-0b00000002';

const tunables = defaultTunables;

interface SpecShape {
  readonly routes?: ReadonlyArray<{ readonly vpcId: string; readonly destination: string }>;
  readonly allocationIds?: readonly string[];
  readonly instanceIds?: readonly string[];
  readonly tunables?: Partial<Tunables>;
}

/** Only what observe reads: resources, nodes and the tunables. */
function spec(shape: SpecShape): ClusterSpec {
  const members = [
    { node: 'node1', eni: ENI_A, priority: 1 },
    { node: 'node2', eni: ENI_B, priority: 2 },
  ];
  const base = { group: 'app', switchback: 'intelligent' as const, fencing: 'none' as const, members };
  const resources: ResourceSpec[] = [
    ...(shape.routes ?? []).map((route, i) => ({ ...base, id: `vip${i}`, mode: 'route' as const, routeTables: 'all' as const, ...route })),
    ...(shape.allocationIds ?? []).map((allocationId, i) => ({ ...base, id: `eip${i}`, mode: 'eip' as const, allocationId })),
  ];
  return {
    cluster: 'test',
    region: 'us-east-1',
    defaults: {
      heartbeat: { intervalSeconds: 1, missedBeats: 3 },
      switchback: 'intelligent',
      checkIntervalSeconds: 1,
      driftCheckIntervalSeconds: 10,
      switchbackDwellSeconds: 60,
      fencing: 'none',
      tunables: { ...tunables, ...shape.tunables },
    },
    nodes: (shape.instanceIds ?? []).map((instanceId, i) => ({ id: `node${i + 1}`, instanceId })),
    resources,
    groups: [],
  };
}

function destination(i: number): string {
  return `10.1.${Math.floor(i / 250)}.${(i % 250) + 1}/32`;
}

function table(routeTableId: string, routes: RouteTable['Routes'], tags: Record<string, string> = {}): RouteTable {
  return { RouteTableId: routeTableId, VpcId: VPC, Routes: routes, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
}

const client = new EC2Client({ region: 'us-east-1' });
const ec2 = mockClient(client);

beforeEach(() => {
  ec2.reset();
  ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [] });
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: [] });
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [] });
  ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
});

afterEach(() => {
  ec2.reset();
});

describe('Ec2Cloud.observe: route tables', () => {
  it('asks once per VPC for the tables holding its protected destinations, and maps every route of them', async () => {
    // Prepare
    ec2.on(DescribeRouteTablesCommand).resolves({
      RouteTables: [
        table(
          'rtb-0aaa0001',
          [
            { DestinationCidrBlock: '10.0.0.0/16', GatewayId: 'local', State: 'active' },
            { DestinationCidrBlock: '10.1.0.10/32', NetworkInterfaceId: ENI_A, State: 'active' },
            { DestinationCidrBlock: '10.1.0.11/32', NetworkInterfaceId: ENI_B, State: 'blackhole' },
            { DestinationCidrBlock: '10.1.0.20/32', NetworkInterfaceId: ENI_B, State: 'active' },
            { DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-0123', State: 'active' },
          ],
          { Role: 'private' },
        ),
      ],
    });
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const observation = await cloud.observe(
      spec({
        routes: [
          { vpcId: VPC, destination: '10.1.0.11/32' },
          { vpcId: VPC, destination: '10.1.0.10/32' },
          { vpcId: VPC, destination: '10.1.0.10/32' },
        ],
      }),
    );

    // Assess
    expect(ec2).toHaveReceivedCommandTimes(DescribeRouteTablesCommand, 1);
    expect(ec2.commandCalls(DescribeRouteTablesCommand)[0]?.args[0].input).toEqual({
      Filters: [
        { Name: 'vpc-id', Values: [VPC] },
        { Name: 'route.destination-cidr-block', Values: ['10.1.0.10/32', '10.1.0.11/32'] },
      ],
      MaxResults: 100,
      NextToken: undefined,
    });
    expect(observation.routeTables[VPC]).toEqual({
      ok: true,
      value: [
        {
          routeTableId: 'rtb-0aaa0001',
          vpcId: VPC,
          tags: { Role: 'private' },
          routes: [
            { destination: '10.0.0.0/16', networkInterfaceId: undefined, otherTarget: 'local', state: 'active' },
            { destination: '10.1.0.10/32', networkInterfaceId: ENI_A, otherTarget: undefined, state: 'active' },
            { destination: '10.1.0.11/32', networkInterfaceId: ENI_B, otherTarget: undefined, state: 'blackhole' },
            { destination: '10.1.0.20/32', networkInterfaceId: ENI_B, otherTarget: undefined, state: 'active' },
            { destination: '0.0.0.0/0', networkInterfaceId: undefined, otherTarget: 'nat-0123', state: 'active' },
          ],
        },
      ],
    });
  });

  it('keeps each VPC to its own query', async () => {
    // Prepare
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const observation = await cloud.observe(
      spec({ routes: [{ vpcId: VPC, destination: '10.1.0.10/32' }, { vpcId: OTHER_VPC, destination: '10.9.0.10/32' }] }),
    );

    // Assess
    expect(ec2).toHaveReceivedCommandTimes(DescribeRouteTablesCommand, 2);
    expect(ec2).toHaveReceivedCommandWith(DescribeRouteTablesCommand, {
      Filters: [
        { Name: 'vpc-id', Values: [OTHER_VPC] },
        { Name: 'route.destination-cidr-block', Values: ['10.9.0.10/32'] },
      ],
    });
    expect(Object.keys(observation.routeTables).sort()).toEqual([VPC, OTHER_VPC].sort());
  });

  it('splits destinations so no request carries more than 200 filter values, and merges tables seen twice', async () => {
    // Prepare
    const destinations = Array.from({ length: 450 }, (_, i) => destination(i));
    const shared = table('rtb-0aaa0001', [{ DestinationCidrBlock: destinations[0], NetworkInterfaceId: ENI_A, State: 'active' }]);
    ec2
      .on(DescribeRouteTablesCommand)
      .resolvesOnce({ RouteTables: [shared] })
      .resolvesOnce({ RouteTables: [shared, table('rtb-0aaa0002', [])] })
      .resolves({ RouteTables: [] });
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const observation = await cloud.observe(spec({ routes: destinations.map((d) => ({ vpcId: VPC, destination: d })) }));

    // Assess
    const requests = ec2.commandCalls(DescribeRouteTablesCommand).map((call) => call.args[0].input);
    expect(requests).toHaveLength(3);
    const valueCounts = requests.map((input) => (input.Filters ?? []).reduce((sum, filter) => sum + (filter.Values?.length ?? 0), 0));
    expect(valueCounts).toEqual([200, 200, 53]);
    const asked = requests.flatMap((input) => input.Filters?.find((f) => f.Name === 'route.destination-cidr-block')?.Values ?? []);
    expect(new Set(asked)).toEqual(new Set(destinations));
    expect(observation.routeTables[VPC]?.ok && observation.routeTables[VPC].value.map((t) => t.routeTableId)).toEqual([
      'rtb-0aaa0001',
      'rtb-0aaa0002',
    ]);
  });

  it('asks for IPv6 destinations with their own filter, since one request cannot OR two filters', async () => {
    // Prepare
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    await cloud.observe(spec({ routes: [{ vpcId: VPC, destination: '10.1.0.10/32' }, { vpcId: VPC, destination: '2001:db8::10/128' }] }));

    // Assess
    const filters = ec2.commandCalls(DescribeRouteTablesCommand).map((call) => call.args[0].input.Filters?.[1]);
    expect(filters).toEqual([
      { Name: 'route.destination-cidr-block', Values: ['10.1.0.10/32'] },
      { Name: 'route.destination-ipv6-cidr-block', Values: ['2001:db8::10/128'] },
    ]);
  });

  it('follows NextToken through every page with the same filters', async () => {
    // Prepare
    ec2
      .on(DescribeRouteTablesCommand)
      .resolvesOnce({ RouteTables: [table('rtb-0aaa0001', [])], NextToken: 'page-2' })
      .resolvesOnce({ RouteTables: [], NextToken: 'page-3' })
      .resolvesOnce({ RouteTables: [table('rtb-0aaa0003', [])] });
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const observation = await cloud.observe(spec({ routes: [{ vpcId: VPC, destination: '10.1.0.10/32' }] }));

    // Assess
    const requests = ec2.commandCalls(DescribeRouteTablesCommand).map((call) => call.args[0].input);
    expect(requests.map((input) => input.NextToken)).toEqual([undefined, 'page-2', 'page-3']);
    expect(new Set(requests.map((input) => JSON.stringify(input.Filters))).size).toBe(1);
    expect(observation.routeTables[VPC]?.ok && observation.routeTables[VPC].value.map((t) => t.routeTableId)).toEqual([
      'rtb-0aaa0001',
      'rtb-0aaa0003',
    ]);
  });

  it('makes the same five calls for 1 resource as for 199 in one VPC', async () => {
    // Prepare
    const cloud = new Ec2Cloud(client, steppedTime());
    const calls = async (count: number) => {
      ec2.resetHistory();
      await cloud.observe(
        spec({
          routes: Array.from({ length: count }, (_, i) => ({ vpcId: VPC, destination: destination(i) })),
          allocationIds: ['eipalloc-0abc0001'],
          instanceIds: ['i-0abc0001', 'i-0abc0002'],
        }),
      );
      return ec2.send.callCount;
    };

    // Act
    const one = await calls(1);
    const many = await calls(199);

    // Assess
    expect(one).toBe(5);
    expect(many).toBe(5);
  });
});

describe('Ec2Cloud.observe: member ENIs and VPC CIDR blocks', () => {
  it('reads every member ENI in one call by filter: a missing one reads as gone, a detached one without an instance', async () => {
    // Prepare
    ec2.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [{ NetworkInterfaceId: ENI_A, SourceDestCheck: false, Attachment: { InstanceId: 'i-0abc0001' } }],
    });
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const observation = await cloud.observe(spec({ routes: [{ vpcId: VPC, destination: destination(0) }], instanceIds: ['i-0abc0001', 'i-0abc0002'] }));

    // Assess
    expect(ec2).toHaveReceivedCommandTimes(DescribeNetworkInterfacesCommand, 1);
    expect(ec2).toHaveReceivedCommandWith(DescribeNetworkInterfacesCommand, { Filters: [{ Name: 'network-interface-id', Values: [ENI_A, ENI_B] }] });
    expect(observation.interfaces).toEqual({
      ok: true,
      value: {
        [ENI_A]: { networkInterfaceId: ENI_A, exists: true, attachedInstanceId: 'i-0abc0001', sourceDestCheck: false },
        [ENI_B]: { networkInterfaceId: ENI_B, exists: false },
      },
    });
  });

  it('reads every CIDR block of each protected VPC, secondary ones included', async () => {
    // Prepare
    ec2.on(DescribeVpcsCommand).resolves({
      Vpcs: [
        {
          VpcId: VPC,
          CidrBlock: '10.0.0.0/16',
          CidrBlockAssociationSet: [
            { CidrBlock: '10.0.0.0/16', CidrBlockState: { State: 'associated' } },
            { CidrBlock: '10.1.0.0/16', CidrBlockState: { State: 'associated' } },
            { CidrBlock: '10.9.0.0/16', CidrBlockState: { State: 'disassociated' } },
          ],
        },
      ],
    });
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const observation = await cloud.observe(spec({ routes: [{ vpcId: VPC, destination: destination(0) }] }));

    // Assess
    expect(observation.vpcCidrs).toEqual({ ok: true, value: { [VPC]: ['10.0.0.0/16', '10.1.0.0/16'] } });
  });

  it('reports unknown ENIs when EC2 answers 500, without failing the rest of the observation', async () => {
    // Prepare
    ec2.on(DescribeNetworkInterfacesCommand).rejects(awsError('InternalError', 500, 'We encountered an internal error'));
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const observation = await cloud.observe(spec({ routes: [{ vpcId: VPC, destination: destination(0) }], tunables: { quickCheckTimeoutSeconds: 1 } }));

    // Assess
    expect(observation.interfaces?.ok).toBe(false);
    expect(observation.routeTables[VPC]?.ok).toBe(true);
  });
});

describe('Ec2Cloud.observe: Elastic IPs', () => {
  it('asks for every protected allocation in one call and maps its association', async () => {
    // Prepare
    ec2.on(DescribeAddressesCommand).resolves({
      Addresses: [
        { AllocationId: 'eipalloc-0abc0001', PublicIp: '198.51.100.7', NetworkInterfaceId: ENI_A, PrivateIpAddress: '10.0.1.10' },
        { AllocationId: 'eipalloc-0abc0002', PublicIp: '198.51.100.8' },
      ],
    });
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const observation = await cloud.observe(spec({ allocationIds: ['eipalloc-0abc0002', 'eipalloc-0abc0001', 'eipalloc-0abc0002'] }));

    // Assess
    expect(ec2).toHaveReceivedCommandTimes(DescribeAddressesCommand, 1);
    expect(ec2.commandCalls(DescribeAddressesCommand)[0]?.args[0].input).toEqual({ AllocationIds: ['eipalloc-0abc0001', 'eipalloc-0abc0002'] });
    expect(observation.addresses).toEqual({
      ok: true,
      value: {
        'eipalloc-0abc0001': {
          allocationId: 'eipalloc-0abc0001',
          exists: true,
          publicIp: '198.51.100.7',
          networkInterfaceId: ENI_A,
          privateIp: '10.0.1.10',
        },
        'eipalloc-0abc0002': {
          allocationId: 'eipalloc-0abc0002',
          exists: true,
          publicIp: '198.51.100.8',
          networkInterfaceId: undefined,
          privateIp: undefined,
        },
      },
    });
  });

  it('finds out which allocation is unknown when EC2 refuses the batch, and keeps the others', async () => {
    // Prepare
    ec2.on(DescribeAddressesCommand, { AllocationIds: ['eipalloc-0abc0001', 'eipalloc-0dead0001'] }).rejects(awsError('InvalidAllocationID.NotFound', 400));
    ec2
      .on(DescribeAddressesCommand, { Filters: [{ Name: 'allocation-id', Values: ['eipalloc-0abc0001', 'eipalloc-0dead0001'] }] })
      .resolves({ Addresses: [{ AllocationId: 'eipalloc-0abc0001', PublicIp: '198.51.100.7', NetworkInterfaceId: ENI_A }] });
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const observation = await cloud.observe(spec({ allocationIds: ['eipalloc-0abc0001', 'eipalloc-0dead0001'] }));

    // Assess
    expect(ec2).toHaveReceivedCommandTimes(DescribeAddressesCommand, 2);
    expect(observation.addresses.ok && observation.addresses.value).toEqual({
      'eipalloc-0abc0001': expect.objectContaining({ exists: true, networkInterfaceId: ENI_A }),
      'eipalloc-0dead0001': { allocationId: 'eipalloc-0dead0001', exists: false },
    });
  });

  it('makes no call when nothing is an Elastic IP', async () => {
    // Prepare
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const observation = await cloud.observe(spec({ routes: [{ vpcId: VPC, destination: '10.1.0.10/32' }] }));

    // Assess
    expect(ec2).not.toHaveReceivedCommand(DescribeAddressesCommand);
    expect(ec2).not.toHaveReceivedCommand(DescribeInstancesCommand);
    expect(observation.addresses).toEqual({ ok: true, value: {} });
    expect(observation.instances).toEqual({ ok: true, value: {} });
  });
});

describe('Ec2Cloud.observe: instances', () => {
  it('filters by instance id, pages through, and calls missing instances absent', async () => {
    // Prepare
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: 'i-0abc0001', State: { Name: 'running' } }] }], NextToken: 'next' })
      .resolvesOnce({ Reservations: [{ Instances: [{ InstanceId: 'i-0abc0002', State: { Name: 'stopping' } }] }] });
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const observation = await cloud.observe(spec({ instanceIds: ['i-0abc0002', 'i-0abc0001', 'i-0abc0003'] }));

    // Assess
    const requests = ec2.commandCalls(DescribeInstancesCommand).map((call) => call.args[0].input);
    expect(requests).toEqual([
      { Filters: [{ Name: 'instance-id', Values: ['i-0abc0001', 'i-0abc0002', 'i-0abc0003'] }], MaxResults: 1000, NextToken: undefined },
      { Filters: [{ Name: 'instance-id', Values: ['i-0abc0001', 'i-0abc0002', 'i-0abc0003'] }], MaxResults: 1000, NextToken: 'next' },
    ]);
    expect(observation.instances).toEqual({ ok: true, value: { 'i-0abc0001': 'running', 'i-0abc0002': 'stopping', 'i-0abc0003': 'absent' } });
  });
});

describe('Ec2Cloud.observe: failures', () => {
  it('retries throttles and 5xx within the quick-check budget and then sees the state', async () => {
    // Prepare
    ec2
      .on(DescribeRouteTablesCommand)
      .rejectsOnce(awsError('RequestLimitExceeded', 503))
      .rejectsOnce(awsError('InternalError', 500))
      .resolves({ RouteTables: [table('rtb-0aaa0001', [])] });
    const time = steppedTime();
    const cloud = new Ec2Cloud(client, time);

    // Act
    const observation = await cloud.observe(spec({ routes: [{ vpcId: VPC, destination: '10.1.0.10/32' }] }));

    // Assess
    expect(ec2).toHaveReceivedCommandTimes(DescribeRouteTablesCommand, 3);
    expect(observation.routeTables[VPC]?.ok).toBe(true);
    expect(time.waited()).toBeGreaterThan(0);
  });

  it('reports a part that stays throttled past the budget as unknown, and the other parts as seen', async () => {
    // Prepare
    ec2.on(DescribeRouteTablesCommand).rejects(awsError('RequestLimitExceeded', 503));
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-0abc0001', State: { Name: 'running' } }] }] });
    const time = steppedTime();
    const cloud = new Ec2Cloud(client, time);

    // Act
    const observation = await cloud.observe(
      spec({ routes: [{ vpcId: VPC, destination: '10.1.0.10/32' }], instanceIds: ['i-0abc0001'], tunables: { quickCheckTimeoutSeconds: 10 } }),
    );

    // Assess
    const routeTables = observation.routeTables[VPC];
    expect(routeTables?.ok).toBe(false);
    if (routeTables && !routeTables.ok) expect(routeTables.reason).toMatch(/^EC2F-E008 DescribeRouteTables throttled \(RequestLimitExceeded.*outcome unknown after \d+ attempts/);
    expect(time.waited()).toBeLessThanOrEqual(10_000);
    expect(ec2.commandCalls(DescribeRouteTablesCommand).length).toBeGreaterThan(3);
    expect(observation.instances).toEqual({ ok: true, value: { 'i-0abc0001': 'running' } });
  });

  it('does not retry a refusal and says what to fix', async () => {
    // Prepare
    ec2.on(DescribeAddressesCommand).rejects(awsError('UnauthorizedOperation', 403));
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    const observation = await cloud.observe(spec({ allocationIds: ['eipalloc-0abc0001'] }));

    // Assess
    expect(ec2).toHaveReceivedCommandTimes(DescribeAddressesCommand, 1);
    expect(observation.addresses).toEqual({ ok: false, reason: expect.stringMatching(/^EC2F-E005 .*ec2:DescribeAddresses/) });
  });

  it('never throws: hangs, network errors and odd rejections all become unknown parts', async () => {
    // Prepare
    ec2.on(DescribeRouteTablesCommand).callsFake(() => new Promise(() => {}));
    ec2.on(DescribeAddressesCommand).rejects(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    ec2.on(DescribeInstancesCommand).callsFake(() => Promise.reject('not even an Error'));
    const cloud = new Ec2Cloud(client);

    // Act
    const observation = await cloud.observe(
      spec({
        routes: [{ vpcId: VPC, destination: '10.1.0.10/32' }],
        allocationIds: ['eipalloc-0abc0001'],
        instanceIds: ['i-0abc0001'],
        tunables: { apiCallTimeoutSeconds: 0.05, quickCheckTimeoutSeconds: 0.3 },
      }),
    );

    // Assess
    expect(observation.routeTables[VPC]).toEqual({ ok: false, reason: expect.stringMatching(/DescribeRouteTables timed out.*got no answer within/) });
    expect(observation.addresses).toEqual({ ok: false, reason: expect.stringMatching(/DescribeAddresses network error \(ECONNRESET/) });
    expect(observation.instances).toEqual({ ok: false, reason: expect.stringMatching(/^EC2F-E008 DescribeInstances/) });
  });

  it('hands every request an abort signal, so a timed-out call is cut off on the wire', async () => {
    // Prepare
    const cloud = new Ec2Cloud(client, steppedTime());

    // Act
    await cloud.observe(spec({ routes: [{ vpcId: VPC, destination: '10.1.0.10/32' }] }));

    // Assess
    const options = (ec2.send.getCall(0).args as unknown[])[1] as { abortSignal?: AbortSignal } | undefined;
    expect(options?.abortSignal).toBeInstanceOf(AbortSignal);
  });
});
