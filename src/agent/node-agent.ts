import type { AgentLogger } from './agent-logger';
import type { HealthChecks } from './health-checks';
import type { HeartbeatSender } from './heartbeat-sender';
import type { OwnershipWatcher } from './ownership-watcher';

/*
 * The running agent: health checks, heartbeats, the ownership watcher and the owner watch side
 * by side, until a stop. A stop is a graceful leave: the `leaving` heartbeat first (its wake of
 * the reconciler follows), so the control plane moves ownership on its next tick instead of after
 * the missed-beat window; then the deactivate path for whatever this node holds, and a last
 * `leaving` beat that reports it released (a new owner waits for that before it activates). The
 * poll in progress (and a hook it runs) finishes first: a half-run hook would leave the node in a
 * state nobody recorded. Wakes still under way are awaited before the agent ends.
 */

export interface NodeAgentParts {
  readonly checks: HealthChecks;
  readonly heartbeat: HeartbeatSender;
  readonly watcher: OwnershipWatcher;
  readonly log: AgentLogger;
  /** Time allowed for the leaving heartbeat, retries included. */
  readonly leaveBudgetMs: number;
  /** Watches the owners of this node's groups, to wake the reconciler when one falls silent. */
  readonly ownerWatch?: { run(signal: AbortSignal): Promise<void> } | undefined;
  /** The wakes of the reconciler under way, awaited before the agent ends. */
  readonly wakes?: { settled(): Promise<void> } | undefined;
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}

export async function runNodeAgent(parts: NodeAgentParts, stop: AbortSignal): Promise<{ readonly leavingWritten: boolean }> {
  const loops = new AbortController();
  const checksStop = new AbortController();
  const checking = parts.checks.run(checksStop.signal);
  const beating = parts.heartbeat.run(loops.signal);
  const watching = parts.watcher.run(loops.signal);
  const watchingOwners = parts.ownerWatch?.run(loops.signal);

  await aborted(stop);
  parts.log.info('stopping: leaving the cluster', { seq: parts.heartbeat.sequence + 1 });
  const leaving = parts.heartbeat.leave(parts.leaveBudgetMs);
  loops.abort();
  await watching;
  const leavingWritten = await leaving;
  await parts.watcher.leaveAll();
  const releaseWritten = await parts.heartbeat.leave(parts.leaveBudgetMs);
  checksStop.abort();
  await Promise.all([checking, beating, watchingOwners, parts.wakes?.settled()]);
  parts.log.info('stopped', { leavingWritten, releaseWritten });
  return { leavingWritten };
}
