import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import type { Ec2CallBudget, Ec2Caller } from './caller';
import { distinct, filterValueChunks } from './filters';

/*
 * Reads every CIDR block (primary and secondary, IPv4 and IPv6) of the protected VPCs in one
 * DescribeVpcs, by the `vpc-id` filter so a missing VPC reads as no blocks rather than failing
 * the call. A destination inside any of them would be a route the VPC's local route shadows.
 */

const ASSOCIATED = new Set(['associated', 'associating']);

export async function describeVpcCidrs(caller: Ec2Caller, vpcIds: Iterable<string>, budget: Ec2CallBudget): Promise<Record<string, string[]>> {
  const wanted = distinct(vpcIds);
  const cidrs: Record<string, string[]> = {};
  for (const vpcId of wanted) cidrs[vpcId] = [];
  await Promise.all(
    filterValueChunks(wanted).map(async (chunk) => {
      const answer = await caller.call({ operation: 'DescribeVpcs' }, budget, (client, abortSignal) =>
        client.send(new DescribeVpcsCommand({ Filters: [{ Name: 'vpc-id', Values: chunk }] }), { abortSignal }),
      );
      for (const vpc of answer.Vpcs ?? []) {
        if (vpc.VpcId === undefined || !Object.hasOwn(cidrs, vpc.VpcId)) continue;
        const blocks = [
          vpc.CidrBlock,
          ...(vpc.CidrBlockAssociationSet ?? []).filter((a) => ASSOCIATED.has(a.CidrBlockState?.State ?? 'associated')).map((a) => a.CidrBlock),
          ...(vpc.Ipv6CidrBlockAssociationSet ?? []).filter((a) => ASSOCIATED.has(a.Ipv6CidrBlockState?.State ?? 'associated')).map((a) => a.Ipv6CidrBlock),
        ];
        cidrs[vpc.VpcId] = [...new Set(blocks.filter((b): b is string => typeof b === 'string' && b !== ''))];
      }
    }),
  );
  return cidrs;
}
