import { randomUUID } from 'node:crypto';
import type { StoredHistoryEntry } from '../aws/dynamodb/history-store';
import { abortableSleep } from '../core/abortable-sleep';
import { UsageError } from '../core/errors';
import type { ClusterSpec, GroupSpec, GroupStatus, HistoryEntry, NodeId, OperatorRequest } from '../core/model';
import { callerIdentity } from './caller-identity';
import { RefusedByReconcilerError, RequestBusyError, WaitTimedOutError } from './cli-errors';
import type { CommandIo } from './cli-io';
import { cloudReader, interruptSignal, type CloudReader } from './cloud-reader';
import { groupNamed, readClusterConfig } from './cluster-config';
import type { ClusterContext } from './cluster-context';
import { seconds } from './output';
import { checkMembership, checkSwitchover } from './request-precheck';
import { trafficOn } from './traffic';
import { readingOf } from './verdicts';
import { prepareWake } from './wake-reconciler';

/*
 * Operator requests are recorded in the state store and carried out by the reconcile loop,
 * never here: every change of owner goes through the same checks and the same conditional
 * write. What the reconciler would refuse is refused here at once (request-precheck.ts); a
 * recorded request wakes the reconciler (wake-reconciler.ts); `--wait` follows a request until
 * EC2 shows its result, or the reconciler's refusal.
 */

export interface SwitchoverOptions {
  readonly config: string;
  readonly group: string;
  readonly to: string;
  readonly wait?: boolean | undefined;
  readonly timeout?: number | undefined;
  readonly clearExclusion?: boolean | undefined;
}

export interface MaintenanceOptions {
  readonly config: string;
  readonly group: string;
  readonly on?: boolean | undefined;
  readonly off?: boolean | undefined;
  readonly wait?: boolean | undefined;
  readonly timeout?: number | undefined;
}

/** `--wait` gives up after this long unless `--timeout` says otherwise. */
const DEFAULT_WAIT_SECONDS = 120;
/** The state store is read this often while the request waits for the reconciler (two small reads). */
const POLL_MS = 100;
/**
 * EC2 is read as often for the first seconds after the reconciler served the request, when the
 * routes move, then once a second: each read is three Describe calls, and EC2 refills an
 * account's Describe budget at about 20 calls a second, shared with the reconciler.
 */
const EC2_FAST_POLL_FOR_MS = 2000;
const EC2_SLOW_POLL_MS = 1000;

function ec2PollDelay(sinceServedMs: number): number {
  return sinceServedMs < EC2_FAST_POLL_FOR_MS ? POLL_MS : EC2_SLOW_POLL_MS;
}

/** The request as stored: the reconciler reads the fields it knows; `by` rides along for people. */
type RecordedRequest = OperatorRequest & { readonly by: string };

function requestId(): string {
  return randomUUID().slice(0, 8);
}

async function openContext(spec: ClusterSpec): Promise<ClusterContext> {
  return (await import('./cluster-context')).clusterContextFor(spec);
}

/** Records the request and a history entry naming who asked; a group with an unserved request is busy. */
async function record(context: ClusterContext, group: GroupSpec, status: GroupStatus | undefined, request: RecordedRequest, what: string): Promise<void> {
  const result = await context.state.requestOperatorAction(group.id, request);
  if (result.outcome === 'busy') {
    throw new RequestBusyError(
      `group ${group.id} still has an unserved ${result.pending.kind} request (${result.pending.id}); wait for the reconciler to carry it out, then retry`,
    );
  }
  const entry: HistoryEntry = {
    at: request.requestedAt,
    group: group.id,
    kind: request.kind === 'maintenance' ? 'maintenance' : 'request',
    epoch: status?.epoch ?? 0,
    message: `${what} requested by ${request.by} (${request.id})`,
    details: { requestId: request.id, by: request.by, request: request.kind },
  };
  await context.history.append([entry]);
}

/** `ec2-failover switchover --config FILE --group G --to NODE [--wait] [--timeout S] [--clear-exclusion]` */
export async function runSwitchover(options: SwitchoverOptions, io: CommandIo): Promise<number> {
  const spec = readClusterConfig(options.config, 'switchover');
  const group = groupNamed(spec, options.group);
  checkMembership(spec, group, options.to);
  const context = await openContext(spec);
  const wake = prepareWake(spec.cluster, context.region, io.stderr);
  const [statuses, verdicts, by] = await Promise.all([context.state.readStatuses(), context.verdicts.readVerdicts(), callerIdentity(context.region)]);
  const status = statuses.get(group.id);
  const check = checkSwitchover({
    spec,
    group,
    status,
    to: options.to,
    verdicts: readingOf(verdicts, spec, Date.now()),
    clearExclusion: options.clearExclusion === true,
  });
  if (check.outcome === 'already-owner') {
    io.stdout.write(`${options.to} already owns group ${group.id} (epoch ${status?.epoch ?? 0}); nothing to do\n`);
    return 0;
  }
  if (check.warning) io.stderr.write(`warning: ${check.warning}\n`);
  const request: RecordedRequest = { kind: 'switchover', to: options.to, id: requestId(), requestedAt: Date.now(), by };
  await record(context, group, status, request, `switchover to ${options.to}`);
  await wake('switchover');
  io.stdout.write(`recorded switchover request ${request.id} for group ${group.id} to ${options.to} by ${by}\n`);
  if (!options.wait) {
    io.stdout.write(`the reconciler carries it out on its next tick (see: ec2-failover history --group ${group.id})\n`);
    return 0;
  }
  return follow(context, group, request, options.timeout, io, async (served, read) => {
    if (served.status.owner !== options.to) {
      throw new RefusedByReconcilerError(`group ${group.id} is owned by ${served.status.owner ?? '(none)'} now, not ${options.to}: ${served.entry.message}`);
    }
    return waitForTraffic(spec, group, options.to, read, served.deadline, served.signal, context);
  });
}

/** `ec2-failover maintenance --config FILE --group G --on|--off [--wait] [--timeout S]` */
export async function runMaintenance(options: MaintenanceOptions, io: CommandIo): Promise<number> {
  if (options.on === options.off) throw new UsageError('maintenance needs --group GROUP and exactly one of --on or --off');
  const spec = readClusterConfig(options.config, 'maintenance');
  const group = groupNamed(spec, options.group);
  const context = await openContext(spec);
  const wake = prepareWake(spec.cluster, context.region, io.stderr);
  const [statuses, by] = await Promise.all([context.state.readStatuses(), callerIdentity(context.region)]);
  const enabled = options.on === true;
  const request: RecordedRequest = { kind: 'maintenance', enabled, id: requestId(), requestedAt: Date.now(), by };
  await record(context, group, statuses.get(group.id), request, `maintenance ${enabled ? 'on' : 'off'}`);
  await wake('maintenance');
  io.stdout.write(`recorded maintenance ${enabled ? 'on' : 'off'} request ${request.id} for group ${group.id} by ${by}\n`);
  if (!options.wait) {
    io.stdout.write(`the reconciler carries it out on its next tick (see: ec2-failover history --group ${group.id})\n`);
    return 0;
  }
  return follow(context, group, request, options.timeout, io, async (served, read) => {
    if (enabled || served.status.owner === null) return 'in effect';
    return waitForTraffic(spec, group, served.status.owner, read, served.deadline, served.signal, context);
  });
}

interface Served {
  readonly status: GroupStatus;
  /** The reconciler's history entry for the request. */
  readonly entry: StoredHistoryEntry;
  readonly deadline: number;
  readonly signal: AbortSignal;
}

/**
 * Follows a recorded request: until the reconciler serves it (a refusal is an error with its
 * reason), then `then` waits for the result in EC2. Prints the time from the request to the end.
 */
async function follow(
  context: ClusterContext,
  group: GroupSpec,
  request: RecordedRequest,
  timeoutSeconds: number | undefined,
  io: CommandIo,
  then: (served: Served, read: CloudReader) => Promise<string>,
): Promise<number> {
  const deadline = request.requestedAt + (timeoutSeconds ?? DEFAULT_WAIT_SECONDS) * 1000;
  const interrupt = interruptSignal(io.signal);
  try {
    // Load the EC2 client while the reconciler works.
    const reading = cloudReader(context.spec, context.region);
    reading.catch(() => undefined);
    const served = await waitUntilServed(context, group, request, deadline, interrupt.signal);
    if (served === undefined) return interrupted(io);
    if (served.entry.details?.refused === true) {
      throw new RefusedByReconcilerError(`the reconciler refused request ${request.id}: ${served.entry.message}`);
    }
    const outcome = await then({ ...served, deadline, signal: interrupt.signal }, await reading);
    if (interrupt.signal.aborted) return interrupted(io);
    io.stdout.write(`group ${group.id}: ${outcome} ${seconds(Date.now() - request.requestedAt)} after the request\n`);
    return 0;
  } finally {
    interrupt.dispose();
  }
}

function interrupted(io: CommandIo): number {
  io.stderr.write('stopped waiting; the request stands (see: ec2-failover history)\n');
  return 130;
}

/** Is this history entry the reconciler's answer to the request? (Ours carry `by`.) */
function answers(entry: StoredHistoryEntry, id: string): boolean {
  if (entry.details?.by !== undefined) return false;
  return entry.details?.requestId === id || (entry.kind === 'transition' && entry.message.includes(`(${id})`));
}

async function waitUntilServed(
  context: ClusterContext,
  group: GroupSpec,
  request: RecordedRequest,
  deadline: number,
  signal: AbortSignal,
): Promise<{ status: GroupStatus; entry: StoredHistoryEntry } | undefined> {
  while (!signal.aborted) {
    const status = (await context.state.readStatuses()).get(group.id);
    if (status && status.request?.id !== request.id) {
      const entries = await context.history.read({ group: group.id, since: request.requestedAt - 1000 });
      const entry = entries.find((e) => answers(e, request.id));
      if (entry) return { status, entry };
    }
    if (Date.now() > deadline) {
      const why = status?.request?.id === request.id ? 'the reconciler has not picked it up (is one running?)' : 'its outcome is not in the history yet';
      throw new WaitTimedOutError(`request ${request.id} for group ${group.id} not served within the wait: ${why}; it may still be carried out`);
    }
    await abortableSleep(POLL_MS, signal);
  }
  return undefined;
}

async function waitForTraffic(
  spec: ClusterSpec,
  group: GroupSpec,
  node: NodeId,
  read: CloudReader,
  deadline: number,
  signal: AbortSignal,
  context: ClusterContext,
): Promise<string> {
  const servedAt = Date.now();
  for (;;) {
    const check = trafficOn(spec, group, node, await read());
    if (check.onNode) return `every route and Elastic IP on ${node}`;
    if (signal.aborted) return 'interrupted';
    if (Date.now() > deadline) {
      const left = [...check.pending, ...check.problems];
      throw new WaitTimedOutError(`group ${group.id} not all on ${node} within the wait; still: ${left.join('; ') || 'unknown'}`);
    }
    const owner = (await context.state.readStatuses()).get(group.id)?.owner;
    if (owner !== node) throw new RefusedByReconcilerError(`group ${group.id} moved on to ${owner ?? '(none)'} before every route reached ${node}`);
    await abortableSleep(ec2PollDelay(Date.now() - servedAt), signal);
  }
}
