import { AssociateAddressCommand, ReplaceRouteCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import type { Action, Tunables } from '../../core/model';
import type { Ec2CallBudget, Ec2Caller } from './caller';
import type { Ec2CallContext } from './errors';

/*
 * Each planned action is one idempotent EC2 call: repeating it after an unknown outcome is safe,
 * which is what lets the retry loop and the next tick simply try again.
 */

/**
 * Seconds one action may take, retries included, following the reference guide's timeouts:
 * moving a resource to a new owner is a restore, repairing drift on the same owner a local
 * recovery, and stopping the failed node frees it (remove).
 */
export function actionBudgetSeconds(action: Action, tunables: Tunables): number {
  if (action.kind === 'stop-instance') return tunables.removeTimeoutSeconds;
  return action.reason === 'drift' ? tunables.recoverTimeoutSeconds : tunables.restoreTimeoutSeconds;
}

function isIpv6(destination: string): boolean {
  return destination.includes(':');
}

export function callContextOf(action: Action): Ec2CallContext {
  switch (action.kind) {
    case 'replace-route':
      return {
        operation: 'ReplaceRoute',
        routeTableId: action.routeTableId,
        destination: action.destination,
        networkInterfaceId: action.networkInterfaceId,
      };
    case 'associate-address':
      return { operation: 'AssociateAddress', allocationId: action.allocationId, networkInterfaceId: action.networkInterfaceId };
    case 'stop-instance':
      return { operation: 'StopInstances', instanceId: action.instanceId };
  }
}

/** Carries out one action; rejects with Ec2TerminalError or Ec2UnknownError (see Ec2Caller). */
export async function performAction(caller: Ec2Caller, action: Action, budget: Ec2CallBudget): Promise<void> {
  const context = callContextOf(action);
  switch (action.kind) {
    case 'replace-route': {
      const destination = isIpv6(action.destination)
        ? { DestinationIpv6CidrBlock: action.destination }
        : { DestinationCidrBlock: action.destination };
      await caller.call(context, budget, (client, abortSignal) =>
        client.send(new ReplaceRouteCommand({ RouteTableId: action.routeTableId, ...destination, NetworkInterfaceId: action.networkInterfaceId }), { abortSignal }),
      );
      return;
    }
    case 'associate-address':
      await caller.call(context, budget, (client, abortSignal) =>
        client.send(
          new AssociateAddressCommand({
            AllocationId: action.allocationId,
            NetworkInterfaceId: action.networkInterfaceId,
            // Taking the address from the failed node is the point: without this EC2 refuses while it is still associated there.
            AllowReassociation: true,
            ...(action.privateIp !== undefined ? { PrivateIpAddress: action.privateIp } : {}),
          }),
          { abortSignal },
        ),
      );
      return;
    case 'stop-instance':
      // Accepted is enough: fencing needs the stop under way, and waiting for `stopped` would hold the failover.
      await caller.call(context, budget, (client, abortSignal) =>
        client.send(new StopInstancesCommand({ InstanceIds: [action.instanceId] }), { abortSignal }),
      );
      return;
  }
}
