import { randomUUID } from 'node:crypto';

/** The account moto reports for every resource. */
export const LOCAL_ACCOUNT_ID = '123456789012';

export const INSTANCE_STATE_CHANGE_DETAIL_TYPE = 'EC2 Instance State-change Notification';

export type InstanceState = 'pending' | 'running' | 'stopping' | 'stopped' | 'shutting-down' | 'terminated';

/** The EventBridge envelope EC2 sends when an instance changes state. */
export interface InstanceStateChangeEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': typeof INSTANCE_STATE_CHANGE_DETAIL_TYPE;
  readonly source: 'aws.ec2';
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: { readonly 'instance-id': string; readonly state: InstanceState };
}

export function instanceStateChangeEvent(
  instanceId: string,
  state: InstanceState,
  context: { readonly region: string; readonly account?: string; readonly time?: Date },
): InstanceStateChangeEvent {
  const account = context.account ?? LOCAL_ACCOUNT_ID;
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': INSTANCE_STATE_CHANGE_DETAIL_TYPE,
    source: 'aws.ec2',
    account,
    // EventBridge stamps whole seconds.
    time: (context.time ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: context.region,
    resources: [`arn:aws:ec2:${context.region}:${account}:instance/${instanceId}`],
    detail: { 'instance-id': instanceId, state },
  };
}

export type InstanceTransition = 'stop' | 'terminate' | 'start';

/**
 * The states EC2 would announce for a stop, terminate or start request, given the state the instance was
 * in: nothing when it is already there (EC2 sends no event for a no-op), else the transitional
 * state followed by the final one.
 */
export function announcedStates(transition: InstanceTransition, previousState: string | undefined): InstanceState[] {
  if (transition === 'start') {
    if (previousState === 'stopped' || previousState === 'stopping') return ['pending', 'running'];
    return [];
  }
  if (transition === 'stop') {
    if (previousState === 'stopping') return ['stopped'];
    if (previousState === 'stopped' || previousState === 'shutting-down' || previousState === 'terminated') return [];
    return ['stopping', 'stopped'];
  }
  if (previousState === 'terminated') return [];
  if (previousState === 'shutting-down') return ['terminated'];
  return ['shutting-down', 'terminated'];
}
