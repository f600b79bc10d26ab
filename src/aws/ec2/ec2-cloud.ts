import type { EC2Client } from '@aws-sdk/client-ec2';
import type {
  Action,
  ActionOutcome,
  AddressObservation,
  ClusterSpec,
  CloudObservation,
  InstanceState,
  InterfaceObservation,
  Observed,
  RefusalCause,
  RouteTableObservation,
  Tunables,
} from '../../core/model';
import type { CloudPort, ExecuteOptions, ObserveOptions } from '../../core/ports';
import { ConcurrencyLimit } from './concurrency';
import { describeProtectedAddresses } from './addresses';
import { actionBudgetSeconds, performAction } from './actions';
import { Ec2Caller, type Ec2CallBudget, type Ec2CallFailure } from './caller';
import { describeInstanceStates } from './instances';
import { describeMemberInterfaces } from './interfaces';
import { describeVpcCidrs } from './vpcs';
import { describeRouteTablesHolding } from './route-tables';
import { Ec2ErrorCode, Ec2TerminalError, Ec2UnknownError } from './errors';
import { DEFAULT_BACKOFF, systemRetryClock, type BackoffPolicy } from './retry';

/*
 * CloudPort on the real EC2 API. observe() reads everything protected in a constant number of
 * calls and never throws; execute() applies actions in parallel, each bounded by the budget its
 * reason calls for, and reports every one as ok, unknown or terminal.
 */

export interface Ec2CloudOptions {
  /**
   * EC2 requests in flight at once, over observe and execute together.
   * @default 10
   */
  readonly concurrency?: number | undefined;
  /** Jitter source in [0, 1). @default Math.random */
  readonly random?: (() => number) | undefined;
  /** Milliseconds; budgets and `elapsedMs` are measured on it. @default Date.now */
  readonly clock?: (() => number) | undefined;
  /** Backoff waits go through it, so tests can skip them. @default setTimeout */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
  /** @default { baseDelayMs: 100, maxDelayMs: 5000 } */
  readonly backoff?: Partial<BackoffPolicy> | undefined;
  /** Told of every failed EC2 attempt, retried or not: for metrics by error class. */
  readonly onCallFailure?: ((failure: Ec2CallFailure) => void) | undefined;
}

export const DEFAULT_EC2_CONCURRENCY = 10;

function reasonOf(error: unknown): string {
  if (error instanceof Ec2UnknownError || error instanceof Ec2TerminalError) return error.message;
  // Only a bug of ours lands here: still an unknown observation, never a throw.
  return `${Ec2ErrorCode.outcomeUnknown} unexpected failure: ${error instanceof Error ? error.message : String(error)}`;
}

async function observed<T>(read: () => Promise<T>): Promise<Observed<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    return { ok: false, reason: reasonOf(error) };
  }
}

/** What an adapter's refusal code means to the engine. */
function refusalCause(code: string): RefusalCause {
  if (code === Ec2ErrorCode.notAuthorized) return 'unauthorized';
  if (code === Ec2ErrorCode.instanceNotFound) return 'instance-gone';
  if (code === Ec2ErrorCode.requestRejected) return 'rejected';
  return 'gone';
}

export class Ec2Cloud implements CloudPort {
  private readonly caller: Ec2Caller;
  private readonly now: () => number;

  constructor(client: EC2Client, options: Ec2CloudOptions = {}) {
    this.now = options.clock ?? systemRetryClock.now;
    this.caller = new Ec2Caller({
      client,
      limit: new ConcurrencyLimit(options.concurrency ?? DEFAULT_EC2_CONCURRENCY),
      clock: { now: this.now, sleep: options.sleep ?? systemRetryClock.sleep, random: options.random ?? systemRetryClock.random },
      backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
      onCallFailure: options.onCallFailure,
    });
  }

  async observe(spec: ClusterSpec, options: ObserveOptions = {}): Promise<CloudObservation> {
    const at = this.now();
    const tunables = spec.defaults.tunables;
    const budget: Ec2CallBudget = {
      deadline: Math.min(at + tunables.quickCheckTimeoutSeconds * 1000, options.deadline ?? Infinity),
      apiCallTimeoutMs: tunables.apiCallTimeoutSeconds * 1000,
    };

    const destinationsByVpc = new Map<string, string[]>();
    const allocationIds: string[] = [];
    for (const resource of spec.resources) {
      if (resource.mode === 'route') destinationsByVpc.set(resource.vpcId, [...(destinationsByVpc.get(resource.vpcId) ?? []), resource.destination]);
      else allocationIds.push(resource.allocationId);
    }

    const vpcReads = [...destinationsByVpc].map(
      async ([vpcId, destinations]) =>
        [vpcId, await observed(() => describeRouteTablesHolding(this.caller, vpcId, destinations, budget))] as const,
    );
    const memberEnis = spec.resources.flatMap((r) => r.members.map((m) => m.eni));
    const [vpcs, addresses, instances, interfaces, vpcCidrs] = await Promise.all([
      Promise.all(vpcReads),
      observed<Readonly<Record<string, AddressObservation>>>(() => describeProtectedAddresses(this.caller, allocationIds, budget)),
      observed<Readonly<Record<string, InstanceState>>>(() =>
        describeInstanceStates(
          this.caller,
          spec.nodes.map((node) => node.instanceId),
          budget,
        ),
      ),
      observed<Readonly<Record<string, InterfaceObservation>>>(() => describeMemberInterfaces(this.caller, memberEnis, budget)),
      observed<Readonly<Record<string, readonly string[]>>>(() => describeVpcCidrs(this.caller, destinationsByVpc.keys(), budget)),
    ]);
    const routeTables: Record<string, Observed<readonly RouteTableObservation[]>> = {};
    for (const [vpcId, tables] of vpcs) routeTables[vpcId] = tables;
    return { at, routeTables, addresses, instances, interfaces, vpcCidrs };
  }

  async execute(actions: readonly Action[], tunables: Tunables, options: ExecuteOptions = {}): Promise<ActionOutcome[]> {
    // All start at once; the concurrency limit inside the caller paces what reaches EC2.
    return Promise.all(actions.map((action) => this.executeOne(action, tunables, options)));
  }

  private async executeOne(action: Action, tunables: Tunables, options: ExecuteOptions): Promise<ActionOutcome> {
    const startedAt = this.now();
    const budget: Ec2CallBudget = {
      deadline: Math.min(startedAt + actionBudgetSeconds(action, tunables) * 1000, options.deadline ?? Infinity),
      apiCallTimeoutMs: tunables.apiCallTimeoutSeconds * 1000,
      mayCall: options.mayAct ? () => options.mayAct!(action) : undefined,
    };
    try {
      await performAction(this.caller, action, budget);
      return { action, result: 'ok', elapsedMs: this.now() - startedAt };
    } catch (error) {
      const elapsedMs = this.now() - startedAt;
      if (error instanceof Ec2TerminalError) return { action, result: 'terminal', code: error.code, cause: refusalCause(error.code), error: error.detail, elapsedMs };
      return { action, result: 'unknown', error: reasonOf(error), elapsedMs };
    }
  }
}
