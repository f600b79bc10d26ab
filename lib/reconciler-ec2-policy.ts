import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../src/core/model';
import { CLUSTER_TAG_KEY } from './cluster-tag';

/*
 * What the reconciler may do in EC2, and no more (checked against the Service Authorization
 * Reference, Amazon EC2):
 *
 * - Describe* calls support no resource-level permissions: they must name `*`. Only the ones the
 *   reconciler makes are listed: route tables, addresses and instances (observation), network
 *   interfaces (is a member's ENI still there and attached) and VPCs (their CIDR blocks, secondary
 *   ones included, so a destination inside the VPC is refused).
 * - ReplaceRoute authorizes one resource, the route table (`route-table*`, condition keys include
 *   `ec2:Vpc`): any route table of the protected VPCs, so tables added later or selected by tag or
 *   `all` need no redeploy. IAM has no key for the destination, hence the VPC as the bound.
 * - AssociateAddress authorizes the Elastic IP and the ENI (and the instance when named). The
 *   config's allocations by ARN; ENIs, instances and later allocations by the cluster tag.
 * - StopInstances only when some group fences (`fencing: stop`), only on those groups' members.
 *
 * Nothing mutating is allowed on `*` without a condition.
 */

/** A statement, and when it names a wildcard, why that wildcard is as narrow as IAM allows. */
export interface ReconcilerStatement {
  readonly statement: PolicyStatement;
  readonly wildcardReason?: string | undefined;
}

export function reconcilerEc2Statements(scope: Construct, spec: ClusterSpec): ReconcilerStatement[] {
  const stack = Stack.of(scope);
  const arn = (resource: string, resourceName: string) => stack.formatArn({ service: 'ec2', resource, resourceName });
  const statements: ReconcilerStatement[] = [
    {
      statement: new PolicyStatement({
        sid: 'ObserveNetworkAndInstances',
        actions: [
          'ec2:DescribeRouteTables',
          'ec2:DescribeAddresses',
          'ec2:DescribeInstances',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DescribeVpcs',
        ],
        resources: ['*'],
      }),
      wildcardReason:
        'EC2 Describe actions support no resource-level permissions; these five are read-only and the only ones the reconciler calls (routes, addresses, instances, member ENIs, VPC CIDR blocks).',
    },
  ];

  const vpcIds = [...new Set(spec.resources.flatMap((r) => (r.mode === 'route' ? [r.vpcId] : [])))].sort();
  if (vpcIds.length > 0) {
    statements.push({
      statement: new PolicyStatement({
        sid: 'ReplaceRoutesInProtectedVpcs',
        actions: ['ec2:ReplaceRoute'],
        resources: [arn('route-table', '*')],
        conditions: { ArnEquals: { 'ec2:Vpc': vpcIds.map((vpcId) => arn('vpc', vpcId)) } },
      }),
      wildcardReason:
        'Route tables are selected at run time (all of a VPC, or by tag), so they are named by the ec2:Vpc condition: only tables in the protected VPCs.',
    });
  }

  const allocationIds = [...new Set(spec.resources.flatMap((r) => (r.mode === 'eip' ? [r.allocationId] : [])))].sort();
  if (allocationIds.length > 0) {
    statements.push(
      {
        statement: new PolicyStatement({
          sid: 'AssociateProtectedElasticIps',
          actions: ['ec2:AssociateAddress'],
          resources: allocationIds.map((allocationId) => arn('elastic-ip', allocationId)),
        }),
      },
      {
        statement: new PolicyStatement({
          sid: 'AssociateOntoTaggedInterfaces',
          actions: ['ec2:AssociateAddress'],
          resources: [arn('network-interface', '*'), arn('instance', '*'), arn('elastic-ip', '*')],
          conditions: { StringEquals: { [`aws:ResourceTag/${CLUSTER_TAG_KEY}`]: spec.cluster } },
        }),
        wildcardReason: `Bounded by the condition aws:ResourceTag/${CLUSTER_TAG_KEY} = the cluster name, so ENIs and Elastic IPs added with the CLI need no redeploy.`,
      },
    );
  }

  const fencedNodes = new Set(spec.groups.filter((g) => g.fencing === 'stop').flatMap((g) => g.nodesByPriority));
  const fencedInstances = spec.nodes.filter((n) => fencedNodes.has(n.id)).map((n) => n.instanceId).sort();
  if (fencedInstances.length > 0) {
    statements.push({
      statement: new PolicyStatement({
        sid: 'FenceFailedMembers',
        actions: ['ec2:StopInstances'],
        resources: fencedInstances.map((instanceId) => arn('instance', instanceId)),
      }),
    });
  }
  return statements;
}
