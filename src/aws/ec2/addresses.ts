import { DescribeAddressesCommand, type Address } from '@aws-sdk/client-ec2';
import type { AddressObservation } from '../../core/model';
import type { Ec2CallBudget, Ec2Caller } from './caller';
import { Ec2TerminalError } from './errors';
import { distinct, filterValueChunks } from './filters';

/*
 * Reads every protected Elastic IP in one DescribeAddresses. Asking by AllocationIds fails the
 * whole call when a single id is unknown, and the error does not reliably say which one (moto
 * names the whole set), so that case is asked again with the `allocation-id` filter, which simply
 * leaves unknown ids out: whatever it does not return does not exist.
 */

export function toAddressObservation(address: Address): AddressObservation {
  return {
    allocationId: address.AllocationId ?? '',
    exists: true,
    publicIp: address.PublicIp || undefined,
    networkInterfaceId: address.NetworkInterfaceId || undefined,
    privateIp: address.PrivateIpAddress || undefined,
  };
}

function isUnknownAllocation(error: unknown): boolean {
  return error instanceof Ec2TerminalError && error.awsCode.startsWith('InvalidAllocationID.');
}

async function describeByFilter(caller: Ec2Caller, allocationIds: readonly string[], budget: Ec2CallBudget): Promise<Address[]> {
  const answers = await Promise.all(
    filterValueChunks(allocationIds).map((chunk) =>
      caller.call({ operation: 'DescribeAddresses' }, budget, (client, abortSignal) =>
        client.send(new DescribeAddressesCommand({ Filters: [{ Name: 'allocation-id', Values: chunk }] }), { abortSignal }),
      ),
    ),
  );
  return answers.flatMap((answer) => answer.Addresses ?? []);
}

/** Every allocation id in the result: `exists: false` for those EC2 does not know. */
export async function describeProtectedAddresses(
  caller: Ec2Caller,
  allocationIds: Iterable<string>,
  budget: Ec2CallBudget,
): Promise<Record<string, AddressObservation>> {
  const wanted = distinct(allocationIds);
  const result: Record<string, AddressObservation> = {};
  if (wanted.length === 0) return result;

  let addresses: Address[];
  try {
    const answer = await caller.call({ operation: 'DescribeAddresses' }, budget, (client, abortSignal) =>
      client.send(new DescribeAddressesCommand({ AllocationIds: wanted }), { abortSignal }),
    );
    addresses = answer.Addresses ?? [];
  } catch (error) {
    if (!isUnknownAllocation(error)) throw error;
    addresses = await describeByFilter(caller, wanted, budget);
  }

  for (const allocationId of wanted) result[allocationId] = { allocationId, exists: false };
  for (const address of addresses) {
    if (address.AllocationId !== undefined && Object.hasOwn(result, address.AllocationId)) result[address.AllocationId] = toAddressObservation(address);
  }
  return result;
}
