import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import type { InstanceState } from '../../core/model';
import type { Ec2CallBudget, Ec2Caller } from './caller';
import { distinct, filterValueChunks } from './filters';

/*
 * Reads the state of every node's instance. The `instance-id` filter is used rather than
 * InstanceIds because it leaves unknown ids out instead of failing the whole call, and an
 * instance that is gone for good (terminated long ago, or never there) is simply `absent`.
 */

/** The largest page DescribeInstances accepts. */
export const INSTANCES_PAGE_SIZE = 1000;

const KNOWN_STATES: ReadonlySet<string> = new Set<InstanceState>(['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated']);

export async function describeInstanceStates(
  caller: Ec2Caller,
  instanceIds: Iterable<string>,
  budget: Ec2CallBudget,
): Promise<Record<string, InstanceState>> {
  const wanted = distinct(instanceIds);
  const states: Record<string, InstanceState> = {};
  for (const instanceId of wanted) states[instanceId] = 'absent';

  await Promise.all(
    filterValueChunks(wanted).map(async (chunk) => {
      let nextToken: string | undefined;
      do {
        const page = await caller.call({ operation: 'DescribeInstances' }, budget, (client, abortSignal) =>
          client.send(
            new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: chunk }], MaxResults: INSTANCES_PAGE_SIZE, NextToken: nextToken }),
            { abortSignal },
          ),
        );
        for (const reservation of page.Reservations ?? []) {
          for (const instance of reservation.Instances ?? []) {
            const name = instance.State?.Name;
            if (instance.InstanceId !== undefined && Object.hasOwn(states, instance.InstanceId) && name !== undefined && KNOWN_STATES.has(name)) {
              states[instance.InstanceId] = name as InstanceState;
            }
          }
        }
        nextToken = page.NextToken || undefined;
      } while (nextToken !== undefined);
    }),
  );
  return states;
}
