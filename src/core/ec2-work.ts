import { abortableSleep } from './abortable-sleep';
import type { Action, ActionOutcome, CloudObservation, ClusterSpec, NodeId } from './model';
import type { GroupPlan } from './plan';
import type { CloudPort } from './ports';

/*
 * EC2 work that may outlast a tick. Judging and committing never wait for EC2: an observation
 * or a batch of actions runs on, a tick waits for it only up to its budget, and a later tick
 * picks up what it found or did. Retries inside stay bounded by the tunables and the runner's
 * deadline, so nothing runs on unobserved.
 */

export interface InFlight<T> {
  readonly promise: Promise<T>;
  readonly startedAt: number;
  settled?: { readonly value: T } | undefined;
}

export interface ActionBatch {
  /** The plans it carries out, by group; outcomes count only while the group's epoch is unchanged. */
  readonly plans: ReadonlyMap<string, GroupPlan>;
  readonly run: InFlight<ActionOutcome[]>;
}

export function inFlight<T>(promise: Promise<T>, startedAt: number): InFlight<T> {
  const work: InFlight<T> = { promise, startedAt };
  void promise.then((value) => {
    work.settled = { value };
  });
  return work;
}

/** Waits for `work` at most `budgetMs`; true when it has settled. `work` never rejects (the cloud port does not throw). */
export async function settleWithin<T>(work: InFlight<T>, budgetMs: number, sleep: (ms: number, wake: AbortSignal) => Promise<void> = abortableSleep): Promise<boolean> {
  if (work.settled) return true;
  const done = new AbortController();
  await Promise.race([work.promise.then(() => undefined), sleep(budgetMs, done.signal)]);
  done.abort();
  // Let the settling callback run if the work just finished.
  await Promise.resolve();
  return work.settled !== undefined;
}

/** Starts an observation unless one is under way. */
export function startObservation(cloud: CloudPort, spec: ClusterSpec, now: number, deadline: number | undefined): InFlight<CloudObservation> {
  return inFlight(cloud.observe(spec, { deadline }), now);
}

/** Updates who was refused for lack of permission: a refusal marks the target member, a success clears it. */
export function noteAuthorization(unauthorized: Map<NodeId, number>, spec: ClusterSpec, outcomes: readonly ActionOutcome[], now: number): void {
  for (const outcome of outcomes) {
    const node = targetNode(spec, outcome.action);
    if (node === undefined) continue;
    if (outcome.result === 'terminal' && outcome.cause === 'unauthorized') unauthorized.set(node, now);
    else if (outcome.result === 'ok') unauthorized.delete(node);
  }
}

function targetNode(spec: ClusterSpec, action: Action): NodeId | undefined {
  if (action.kind === 'stop-instance') return undefined;
  const resource = spec.resources.find((r) => r.id === action.resource);
  return resource?.members.find((m) => m.eni === action.networkInterfaceId)?.node;
}
