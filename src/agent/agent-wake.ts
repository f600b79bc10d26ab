import { ReconcilerWaker } from '../aws/lambda/reconciler-wake';
import type { Heartbeat, NodeId } from '../core/model';
import type { AgentConfig } from './agent-config';
import type { AgentLogger } from './agent-logger';
import { beatWaker } from './beat-wakes';
import { groupsOfNode } from './group-bindings';
import { OwnerWatch, ownersToWatch } from './owner-watch';
import type { OwnershipWatcher } from './ownership-watcher';

/*
 * The agent's wakes of the reconciler, put together: one waker per agent (from this node), the
 * wakes its written heartbeats call for, and the watch of its groups' owners. None of it with
 * `wake: false`.
 */

export interface AgentWakes {
  readonly waker: ReconcilerWaker;
  /** For the heartbeat sender: called with every beat stored. */
  readonly onWritten: (beat: Heartbeat) => void;
  readonly ownerWatch: OwnerWatch;
}

export interface AgentWakeContext {
  readonly config: Pick<AgentConfig, 'cluster' | 'wake' | 'dynamoDbTimeoutSeconds'>;
  readonly region: string;
  readonly node: NodeId;
  readonly watcher: Pick<OwnershipWatcher, 'currentSpec' | 'currentStatuses' | 'currentNode' | 'intervalMs'>;
  /** Another node's heartbeat, read eventually consistent; undefined when missing or malformed. */
  readonly readBeat: (instanceId: string) => Promise<Heartbeat | undefined>;
  readonly log: AgentLogger;
}

type Watcher = AgentWakeContext['watcher'];

function isMember(watcher: Watcher): boolean {
  return watcher.currentNode !== undefined && groupsOfNode(watcher.currentSpec, watcher.currentNode).length > 0;
}

function ownerWatchOf(context: AgentWakeContext, waker: ReconcilerWaker): OwnerWatch {
  const { watcher } = context;
  return new OwnerWatch({
    owners: () => ownersToWatch(watcher.currentSpec, watcher.currentStatuses, watcher.currentNode),
    readSequence: async (instanceId) => (await context.readBeat(instanceId))?.seq,
    timing: () => ({ intervalMs: watcher.intervalMs, missedBeats: watcher.currentSpec.defaults.heartbeat.missedBeats }),
    wake: waker,
    readTimeoutMs: context.config.dynamoDbTimeoutSeconds * 1000,
    log: context.log,
  });
}

/** The agent's wakes; undefined when the config turns them off. */
export function agentWakes(context: AgentWakeContext): AgentWakes | undefined {
  if (!context.config.wake) {
    context.log.info('reconciler wakes off', { why: 'wake: false in the agent config' });
    return undefined;
  }
  const waker = new ReconcilerWaker({ cluster: context.config.cluster, region: context.region, from: context.node, log: context.log });
  const { watcher } = context;
  return {
    waker,
    onWritten: beatWaker(waker, { member: () => isMember(watcher), intervalMs: () => watcher.intervalMs }),
    ownerWatch: ownerWatchOf(context, waker),
  };
}
