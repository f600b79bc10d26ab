import { DescribeNetworkInterfacesCommand } from '@aws-sdk/client-ec2';
import type { InterfaceObservation } from '../../core/model';
import type { Ec2CallBudget, Ec2Caller } from './caller';
import { distinct, filterValueChunks } from './filters';

/*
 * Reads every member's ENI in one DescribeNetworkInterfaces, by the `network-interface-id`
 * filter: asking by NetworkInterfaceIds fails the whole call when one ENI is gone, while the
 * filter simply leaves it out. An ENI it does not return does not exist.
 */

/** The largest page DescribeNetworkInterfaces accepts. */
export const INTERFACES_PAGE_SIZE = 1000;

export async function describeMemberInterfaces(caller: Ec2Caller, eniIds: Iterable<string>, budget: Ec2CallBudget): Promise<Record<string, InterfaceObservation>> {
  const wanted = distinct(eniIds);
  const found: Record<string, InterfaceObservation> = {};
  for (const eni of wanted) found[eni] = { networkInterfaceId: eni, exists: false };
  await Promise.all(
    filterValueChunks(wanted).map(async (chunk) => {
      let nextToken: string | undefined;
      do {
        const page = await caller.call({ operation: 'DescribeNetworkInterfaces' }, budget, (client, abortSignal) =>
          client.send(
            new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'network-interface-id', Values: chunk }], MaxResults: INTERFACES_PAGE_SIZE, NextToken: nextToken }),
            { abortSignal },
          ),
        );
        for (const eni of page.NetworkInterfaces ?? []) {
          const id = eni.NetworkInterfaceId;
          if (id === undefined || !Object.hasOwn(found, id)) continue;
          found[id] = { networkInterfaceId: id, exists: true, attachedInstanceId: eni.Attachment?.InstanceId || undefined, sourceDestCheck: eni.SourceDestCheck };
        }
        nextToken = page.NextToken || undefined;
      } while (nextToken !== undefined);
    }),
  );
  return found;
}
