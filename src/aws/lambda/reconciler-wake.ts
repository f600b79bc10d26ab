import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { Logger } from '../../core/logger';
import { reconcilerFunctionName, WAKE_SOURCE, type WakePayload } from '../../names';
import { lambdaClient } from './client';
import { wakeErrorFrom } from './errors';

/*
 * Wakes the reconciler: an asynchronous Invoke (`Event`) of `<cluster>-reconciler` carrying a
 * WakePayload. A wake is only a hint: the run it starts judges on its own reads, so a wrong wake
 * costs one short run and a lost one costs the wait for the next scheduled run. Hence it never
 * throws: a failure is logged (EC2F-F003) and the caller goes on.
 *
 * At most one wake per key per `minGapMs`, counted from each attempt, sent or failed: a node that
 * keeps seeing the same thing wakes the reconciler once per window, not once per look.
 *
 * Where DynamoDB points at a local endpoint and Lambda at none (tests, the local world), waking
 * is off: a wake must never reach a real account from there.
 */

export interface WakeRequest {
  /** Why: `owner-silent`, `checks-changed`, `leaving`, `switchover`… */
  readonly reason: string;
  /**
   * What the rate limit counts per.
   * @default the reason
   */
  readonly key?: string | undefined;
  /**
   * At least this long between two wakes of this key.
   * @default the waker's `minGapMs`
   */
  readonly minGapMs?: number | undefined;
}

export type WakeOutcome = 'sent' | 'limited' | 'disabled' | 'failed';

/** What the agent's parts and the CLI wake the reconciler through. */
export interface ReconcilerWake {
  wake(request: WakeRequest): Promise<WakeOutcome>;
}

export interface ReconcilerWakerOptions {
  readonly cluster: string;
  readonly region: string;
  /** Who wakes: a node id, `cli`, `events`. */
  readonly from: string;
  readonly log: Logger;
  /**
   * At least this long between two wakes of one key, unless a request says otherwise.
   * @default 0
   */
  readonly minGapMs?: number | undefined;
  /** @default the process's client for `region` */
  readonly client?: LambdaClient | undefined;
  /**
   * A monotonic clock in milliseconds, for the rate limit.
   * @default performance.now
   */
  readonly clock?: (() => number) | undefined;
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv | undefined;
}

/** Log every this many failures in a row, after the first. */
const FAILURE_LOG_EVERY = 20;

/** Why waking is off in `env`, or undefined when it is on. */
export function wakeDisabledReason(env: NodeJS.ProcessEnv): string | undefined {
  if (env.AWS_ENDPOINT_URL_LAMBDA?.trim() || env.AWS_ENDPOINT_URL?.trim()) return undefined;
  if (!env.AWS_ENDPOINT_URL_DYNAMODB?.trim()) return undefined;
  return 'DynamoDB points at a local endpoint (AWS_ENDPOINT_URL_DYNAMODB) and Lambda at none (AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL): no wake goes to a real account from here';
}

function payload(reason: string, from: string): Uint8Array {
  const wake: WakePayload = { source: WAKE_SOURCE, reason, from };
  return new TextEncoder().encode(JSON.stringify(wake));
}

export class ReconcilerWaker implements ReconcilerWake {
  readonly functionName: string;
  private readonly clock: () => number;
  private readonly disabledBecause: string | undefined;
  private readonly lastAttemptAt = new Map<string, number>();
  private readonly inFlight = new Set<Promise<WakeOutcome>>();
  private disabledLogged = false;
  private failuresInARow = 0;

  constructor(private readonly options: ReconcilerWakerOptions) {
    this.functionName = reconcilerFunctionName(options.cluster);
    this.clock = options.clock ?? (() => performance.now());
    this.disabledBecause = wakeDisabledReason(options.env ?? process.env);
  }

  /** Sends the wake unless waking is off or this key woke within its gap; never throws. */
  async wake(request: WakeRequest): Promise<WakeOutcome> {
    if (this.disabledBecause !== undefined) return this.disabled();
    if (!this.mayAttempt(request)) return 'limited';
    const sending = this.send(request.reason);
    this.inFlight.add(sending);
    try {
      return await sending;
    } finally {
      this.inFlight.delete(sending);
    }
  }

  /** Resolves once every wake under way has ended (before the process lets go of its clients). */
  async settled(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private disabled(): WakeOutcome {
    if (!this.disabledLogged) this.options.log.info('reconciler wakes off', { why: this.disabledBecause });
    this.disabledLogged = true;
    return 'disabled';
  }

  /** Counts the attempt when the key's gap has passed. */
  private mayAttempt(request: WakeRequest): boolean {
    const key = request.key ?? request.reason;
    const now = this.clock();
    const last = this.lastAttemptAt.get(key);
    if (last !== undefined && now - last < (request.minGapMs ?? this.options.minGapMs ?? 0)) return false;
    this.lastAttemptAt.set(key, now);
    return true;
  }

  private async send(reason: string): Promise<WakeOutcome> {
    const client = this.options.client ?? lambdaClient(this.options.region);
    try {
      await client.send(new InvokeCommand({ FunctionName: this.functionName, InvocationType: 'Event', Payload: payload(reason, this.options.from) }));
    } catch (error) {
      this.failed(error, reason);
      return 'failed';
    }
    this.failuresInARow = 0;
    this.options.log.info('reconciler woken', { reason, function: this.functionName });
    return 'sent';
  }

  private failed(error: unknown, reason: string): void {
    this.failuresInARow += 1;
    if (this.failuresInARow !== 1 && this.failuresInARow % FAILURE_LOG_EVERY !== 0) return;
    const translated = wakeErrorFrom(this.functionName, error);
    this.options.log.warn(translated.message, { reason, awsCode: translated.awsCode, failedInARow: this.failuresInARow });
  }
}
