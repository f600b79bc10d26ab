import { z } from 'zod';
import { Ec2FailoverError } from './errors';
import type { ClusterSpec, NodeId, NodeSignal } from './model';
import type { StoredSignal } from './ports';
import type { ReconcileMemory } from './reconcile';

/*
 * Events that tell the loop a node is going down before its heartbeats say so: EC2 instance
 * state changes and CloudWatch alarm state changes, in the shape EventBridge delivers them.
 * An event only updates what the loop knows; the next reconcile decides, as for any tick.
 *
 * An event is judged by its own time (EventBridge's `time`, whole seconds), never by when it
 * arrived: a late or replayed event is older than what EC2 has said since, and loses to it. An
 * event without a valid time cannot be placed against anything, so it is refused; EventBridge
 * always sets one.
 */

export class EventError extends Ec2FailoverError {
  constructor(message: string) {
    super('EC2F-V001', message);
    this.name = 'EventError';
  }
}

const instanceStateChange = z.object({
  source: z.literal('aws.ec2'),
  'detail-type': z.literal('EC2 Instance State-change Notification'),
  detail: z.object({
    'instance-id': z.string().regex(/^i-[0-9a-f]+$/),
    state: z.enum(['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated']),
  }),
});

const alarmStateChange = z.object({
  source: z.literal('aws.cloudwatch'),
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  detail: z.object({
    alarmName: z.string().min(1),
    state: z.object({ value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']) }),
  }),
});

/**
 * Reads an EventBridge event: what it says of a node, and `at`, when it happened (its `time`, ms
 * since the epoch). Anything else is refused with a coded error naming what was wrong.
 */
export function parseNodeEvent(event: unknown): StoredSignal {
  const signal = nodeSignal(event);
  if (signal) return { signal, at: eventTime(event) };
  const described =
    typeof event === 'object' && event !== null
      ? `source ${JSON.stringify((event as Record<string, unknown>).source)}, detail-type ${JSON.stringify((event as Record<string, unknown>)['detail-type'])}`
      : typeof event;
  throw new EventError(
    `not an EC2 Instance State-change Notification nor a CloudWatch Alarm State Change with the expected detail (${described}); check the EventBridge rule's pattern`,
  );
}

function nodeSignal(event: unknown): NodeSignal | undefined {
  const instance = instanceStateChange.safeParse(event);
  if (instance.success) return { kind: 'instance-state', instanceId: instance.data.detail['instance-id'], state: instance.data.detail.state };
  const alarm = alarmStateChange.safeParse(event);
  if (alarm.success) return { kind: 'alarm', alarmName: alarm.data.detail.alarmName, alarming: alarm.data.detail.state.value === 'ALARM' };
  return undefined;
}

const isoTime = z.object({ time: z.iso.datetime({ offset: true }) });

/** The event's `time` in ms since the epoch; refused when absent or not ISO-8601. */
function eventTime(event: unknown): number {
  const parsed = isoTime.safeParse(event);
  if (parsed.success) return Date.parse(parsed.data.time);
  const time = (event as Record<string, unknown>).time;
  throw new EventError(
    `event without a valid time (time ${time === undefined ? 'absent' : JSON.stringify(time)}): an event is judged by when it happened, so one that cannot say is not recorded; EventBridge events carry an ISO-8601 time`,
  );
}

/**
 * Records a signal of an event that happened at `at` in the loop's memory, unless an event of that
 * instance at least as new is known (as the store, ties keep the first); returns the node it
 * concerns, or undefined when it is not one of ours.
 */
export function applyNodeSignal(memory: ReconcileMemory, spec: ClusterSpec, signal: NodeSignal, at: number): NodeId | undefined {
  if (signal.kind === 'instance-state') {
    const node = spec.nodes.find((n) => n.instanceId === signal.instanceId);
    if (!node) return undefined;
    const known = memory.instanceEvents[signal.instanceId];
    if (!known || known.at < at) memory.instanceEvents[signal.instanceId] = { state: signal.state, at };
    return node.id;
  }
  const node = spec.nodes.find((n) => n.alarmName === signal.alarmName);
  if (!node) return undefined;
  if (signal.alarming) memory.alarmingNodes.add(node.id);
  else memory.alarmingNodes.delete(node.id);
  return node.id;
}
