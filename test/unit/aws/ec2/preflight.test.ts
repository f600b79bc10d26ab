import {
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeRouteTablesCommand,
  DescribeVpcsCommand,
  EC2Client,
  ReplaceRouteCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { preflightEc2 } from '../../../../src/aws/ec2/preflight';
import { clusterSpec } from '../../../fixtures/specs';
import { awsError } from '../../../support/ec2-unit';

/* The EC2 preflight on a mocked EC2: what each answer becomes. */

const ec2 = mockClient(EC2Client);
const spec = clusterSpec();
const ENI = { node1: 'eni-01100000', node2: 'eni-01200000', eip1: 'eni-02100000', eip2: 'eni-02200000' };

function healthyAccount(): void {
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-0abc1234', CidrBlockAssociationSet: [{ CidrBlock: '10.0.0.0/16', CidrBlockState: { State: 'associated' } }] }] });
  for (const [name, eni] of Object.entries(ENI)) {
    const node = name.endsWith('1') ? 'i-00000000000000001' : 'i-00000000000000002';
    ec2.on(DescribeNetworkInterfacesCommand, { NetworkInterfaceIds: [eni] }).resolves({ NetworkInterfaces: [{ NetworkInterfaceId: eni, SourceDestCheck: false, Attachment: { InstanceId: node } }] });
  }
  ec2.on(DescribeRouteTablesCommand).resolves({
    RouteTables: [{ RouteTableId: 'rtb-00000001', VpcId: 'vpc-0abc1234', Routes: [{ DestinationCidrBlock: '10.1.0.10/32', NetworkInterfaceId: ENI.node1, State: 'active' }] }],
  });
  ec2.on(DescribeAddressesCommand).resolves({ Addresses: [{ AllocationId: 'eipalloc-0abc1234', Domain: 'vpc', PublicIp: '198.51.100.7', NetworkInterfaceId: ENI.eip1 }] });
  ec2.on(DescribeInstancesCommand).resolves({
    Reservations: [
      {
        Instances: [
          { InstanceId: 'i-00000000000000001', State: { Name: 'running' }, MaintenanceOptions: { AutoRecovery: 'disabled' } },
          { InstanceId: 'i-00000000000000002', State: { Name: 'running' }, MaintenanceOptions: { AutoRecovery: 'disabled' }, Tags: [{ Key: 'aws:autoscaling:groupName', Value: 'db-asg' }] },
        ],
      },
    ],
  });
  ec2.on(ReplaceRouteCommand).rejects(awsError('DryRunOperation', 412, 'Request would have succeeded'));
  ec2.on(AssociateAddressCommand).rejects(awsError('UnauthorizedOperation', 403, 'You are not authorized'));
}

afterEach(() => {
  ec2.reset();
});

describe('preflightEc2', () => {
  it('passes what is in place, warns about an Auto Scaling node, fails a denied permission, and sends every action as a dry run', async () => {
    // Prepare
    healthyAccount();

    // Act
    const checks = await preflightEc2(new EC2Client({ region: 'us-east-1' }), spec);

    // Assess
    expect(checks.filter((c) => c.status !== 'pass').map((c) => [c.status, c.subject, c.detail])).toEqual([
      ['warn', 'instance i-00000000000000002 (node2)', 'belongs to Auto Scaling group db-asg, which may replace it while a failover runs'],
      ['fail', 'permission AssociateAddress (eip)', 'ec2:AssociateAddress denied (UnauthorizedOperation)'],
    ]);
    expect(checks.filter((c) => c.status === 'pass').map((c) => c.subject)).toEqual(
      expect.arrayContaining(['destination 10.1.0.10/32 (vip)', `eni ${ENI.node2} (vip, node2)`, 'routes to 10.1.0.10/32 (vip)', 'elastic ip eipalloc-0abc1234 (eip)', 'permission ReplaceRoute (vip)']),
    );
    for (const call of [...ec2.commandCalls(ReplaceRouteCommand), ...ec2.commandCalls(AssociateAddressCommand)]) expect(call.args[0].input).toMatchObject({ DryRun: true });
    expect(ec2.commandCalls(ReplaceRouteCommand)[0]!.args[0].input).toMatchObject({ RouteTableId: 'rtb-00000001', NetworkInterfaceId: ENI.node1 });
  });

  it('fails a missing ENI and warns about an Elastic IP on a foreign ENI', async () => {
    // Prepare
    healthyAccount();
    ec2.on(DescribeNetworkInterfacesCommand, { NetworkInterfaceIds: [ENI.node2] }).rejects(awsError('InvalidNetworkInterfaceID.NotFound', 400, 'no such ENI'));
    ec2.on(DescribeAddressesCommand).resolves({ Addresses: [{ AllocationId: 'eipalloc-0abc1234', Domain: 'vpc', PublicIp: '198.51.100.7', NetworkInterfaceId: 'eni-0fff0000', InstanceId: 'i-0fff' }] });

    // Act
    const checks = await preflightEc2(new EC2Client({ region: 'us-east-1' }), spec);

    // Assess
    expect(checks.find((c) => c.subject === `eni ${ENI.node2} (vip, node2)`)).toMatchObject({ status: 'fail', detail: 'InvalidNetworkInterfaceID.NotFound: no such ENI' });
    expect(checks.find((c) => c.subject === 'elastic ip eipalloc-0abc1234 (eip)')).toMatchObject({ status: 'warn', detail: '198.51.100.7 is associated with eni-0fff0000 (i-0fff), which is no member' });
  });

  it('warns about an instance EC2 would recover on its own, and about one whose recovery setting it does not report', async () => {
    // Prepare
    healthyAccount();
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        { Instances: [{ InstanceId: 'i-00000000000000001', State: { Name: 'running' }, MaintenanceOptions: { AutoRecovery: 'default' } }] },
        { Instances: [{ InstanceId: 'i-00000000000000002', State: { Name: 'running' } }] },
      ],
    });

    // Act
    const checks = await preflightEc2(new EC2Client({ region: 'us-east-1' }), spec);

    // Assess
    expect(checks.filter((c) => c.subject.startsWith('auto recovery'))).toEqual([
      {
        status: 'warn',
        subject: 'auto recovery of i-00000000000000001 (node1)',
        detail: 'simplified automatic recovery is on (AutoRecovery: default): EC2 may recover the instance while the control plane fails its group over (and, with fencing: stop, stops it)',
        action: 'Disable it (aws ec2 modify-instance-maintenance-options --instance-id i-00000000000000001 --auto-recovery disabled), or accept that a recovered node comes back as a standby.',
      },
      {
        status: 'warn',
        subject: 'auto recovery of i-00000000000000002 (node2)',
        detail: 'EC2 did not report MaintenanceOptions.AutoRecovery (on by default where supported)',
        action: 'Check it in the console, or disable it: aws ec2 modify-instance-maintenance-options --instance-id i-00000000000000002 --auto-recovery disabled',
      },
    ]);
  });

  it('passes an instance with automatic recovery disabled, and checks no recovery of an instance that does not exist', async () => {
    // Prepare
    healthyAccount();
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [{ InstanceId: 'i-00000000000000001', State: { Name: 'running' }, MaintenanceOptions: { AutoRecovery: 'disabled' } }] }] });

    // Act
    const checks = await preflightEc2(new EC2Client({ region: 'us-east-1' }), spec);

    // Assess
    expect(checks.filter((c) => c.subject.includes('i-0000000000000000')).map((c) => [c.status, c.subject, c.detail])).toEqual([
      ['pass', 'instance i-00000000000000001 (node1)', 'running'],
      ['fail', 'instance i-00000000000000002 (node2)', 'does not exist'],
      ['pass', 'auto recovery of i-00000000000000001 (node1)', 'simplified automatic recovery is disabled'],
    ]);
  });
});
