import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ConcurrencyLimit } from './concurrency';
import {
  Ec2CallTimeoutError,
  Ec2NotSentError,
  Ec2TerminalError,
  Ec2UnknownError,
  awsErrorCode,
  classifyEc2Error,
  type Ec2CallContext,
  type Ec2ErrorClass,
} from './errors';
import { retryWithinDeadline, type BackoffPolicy, type RetryClock } from './retry';

/*
 * The one way this adapter reaches EC2: a slot under the concurrency limit, a timeout per call,
 * retries of unknown failures within the caller's budget, and SDK exceptions translated into
 * Ec2TerminalError / Ec2UnknownError. Nothing above this file sees an SDK exception.
 */

export interface Ec2CallBudget {
  /** Absolute time (on the caller's clock) by which the call, retries included, must be done. */
  readonly deadline: number;
  /** Bound of one request on the wire. */
  readonly apiCallTimeoutMs: number;
  /**
   * Asked immediately before each attempt of a mutating call: false stops it there (outcome
   * unknown, not retried), as when the caller can no longer prove it holds its lease.
   */
  readonly mayCall?: (() => boolean) | undefined;
}

/** One failed attempt, for metrics ("API errors by class") and logs. */
export interface Ec2CallFailure {
  readonly operation: string;
  readonly awsCode: string;
  readonly kind: Ec2ErrorClass['kind'];
  readonly attempt: number;
  readonly message: string;
}

export interface Ec2CallerOptions {
  readonly client: EC2Client;
  readonly limit: ConcurrencyLimit;
  readonly clock: RetryClock;
  readonly backoff: BackoffPolicy;
  readonly onCallFailure?: ((failure: Ec2CallFailure) => void) | undefined;
}

export type Ec2Request<T> = (client: EC2Client, abortSignal: AbortSignal) => Promise<T>;

/** Rejects with Ec2CallTimeoutError and aborts the request when no answer came in time. */
async function withCallTimeout<T>(operation: string, timeoutMs: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  // Racing our own timer, rather than trusting the handler to honour the signal, bounds the call
  // even when a stub or a wedged socket ignores the abort.
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Ec2CallTimeoutError(operation, timeoutMs);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    return await Promise.race([run(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

export class Ec2Caller {
  constructor(private readonly options: Ec2CallerOptions) {}

  /** Resolves with EC2's answer, or rejects with Ec2TerminalError or Ec2UnknownError, nothing else. */
  async call<T>(context: Ec2CallContext, budget: Ec2CallBudget, request: Ec2Request<T>): Promise<T> {
    const { client, limit, clock, backoff } = this.options;
    const startedAt = clock.now();
    let attempt = 0;
    const result = await retryWithinDeadline(
      () => {
        attempt += 1;
        return limit.run(() => {
          // Time spent waiting for a slot comes out of the budget, not out of the call's own timeout.
          const timeoutMs = Math.min(budget.apiCallTimeoutMs, budget.deadline - clock.now());
          if (timeoutMs <= 0) return Promise.reject(new Ec2CallTimeoutError(context.operation, 0));
          if (budget.mayCall && !budget.mayCall()) return Promise.reject(new Ec2NotSentError(context.operation));
          return withCallTimeout(context.operation, timeoutMs, (signal) => request(client, signal));
        });
      },
      {
        deadline: budget.deadline,
        clock,
        backoff,
        shouldRetry: (error) => {
          if (error instanceof Ec2NotSentError) return false;
          const classified = classifyEc2Error(error, context);
          this.options.onCallFailure?.({ operation: context.operation, awsCode: classified.awsCode, kind: classified.kind, attempt, message: classified.message });
          return classified.kind === 'unknown';
        },
      },
    );
    if (result.ok) return result.value;

    const classified = classifyEc2Error(result.error, context);
    if (classified.kind === 'terminal') throw new Ec2TerminalError(classified, context.operation, result.error);
    const elapsedMs = clock.now() - startedAt;
    const tries = result.attempts === 1 ? '1 attempt' : `${result.attempts} attempts`;
    throw new Ec2UnknownError(
      context.operation,
      result.attempts === 0 ? 'BudgetSpent' : awsErrorCode(result.error),
      result.attempts === 0
        ? `${context.operation} not tried: its time budget was spent before a call could start`
        : `${classified.message}; outcome unknown after ${tries} in ${elapsedMs} ms`,
      result.attempts,
      result.error,
    );
  }
}
