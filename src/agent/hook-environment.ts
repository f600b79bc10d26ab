import type { ResourceBinding } from './group-bindings';

/*
 * The environment a user hook runs with. Lists are space-separated (no id contains a space);
 * EC2F_VIP and EC2F_INTERFACE are aligned, as are EC2F_RESOURCES and EC2F_ENI.
 */

export interface HookCall {
  readonly cluster: string;
  readonly node: string;
  readonly instanceId: string;
  readonly group: string;
  readonly epoch: number;
  readonly role: 'active' | 'standby';
  /** Why it runs: became-owner, lost-ownership, first-sight, leaving, self-fence, … */
  readonly reason: string;
  readonly bindings: readonly ResourceBinding[];
}

export function hookEnvironment(call: HookCall, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const routes = call.bindings.filter((b) => b.mode === 'route');
  const resources = call.bindings.map((b) => b.resource);
  return {
    ...base,
    EC2F_CLUSTER: call.cluster,
    EC2F_NODE: call.node,
    EC2F_INSTANCE_ID: call.instanceId,
    EC2F_GROUP: call.group,
    EC2F_EPOCH: String(call.epoch),
    EC2F_ROLE: call.role,
    EC2F_REASON: call.reason,
    EC2F_RESOURCE: resources[0] ?? '',
    EC2F_RESOURCES: resources.join(' '),
    EC2F_ENI: call.bindings.map((b) => b.eni).join(' '),
    EC2F_VIP: routes.map((b) => b.vip ?? '').join(' '),
    EC2F_INTERFACE: routes.map((b) => b.interface ?? '').join(' '),
  };
}
