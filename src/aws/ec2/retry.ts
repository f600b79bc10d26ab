/*
 * Retries bounded by time, not by a count: the tunables give each observation and each action a
 * budget in seconds (quick-check, restore, recover, remove), and a call that is still throttled
 * when its budget runs out is reported as unknown, to be tried again on a later tick.
 */

export interface RetryClock {
  /** Milliseconds; only differences are used. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1): the jitter source. */
  readonly random: () => number;
}

export interface BackoffPolicy {
  /**
   * First retry waits up to this long; each retry doubles the ceiling.
   * @default 100
   */
  readonly baseDelayMs: number;
  /**
   * Ceiling of any one wait, so a long budget still gets frequent tries once EC2 recovers.
   * @default 5000
   */
  readonly maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseDelayMs: 100, maxDelayMs: 5000 };

export const systemRetryClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/**
 * "Full jitter": a uniform wait between zero and the exponential ceiling. Parallel callers that
 * were throttled together spread out instead of coming back in lockstep.
 */
export function fullJitterDelayMs(retry: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
}

export interface RetryOptions {
  /** Absolute time (on `clock.now`) after which no new attempt starts. */
  readonly deadline: number;
  readonly clock: RetryClock;
  readonly backoff: BackoffPolicy;
  readonly shouldRetry: (error: unknown) => boolean;
}

export type RetryResult<T> =
  | { readonly ok: true; readonly value: T; readonly attempts: number }
  | { readonly ok: false; readonly error: unknown; readonly attempts: number; readonly retryable: boolean; readonly budgetExhausted: boolean };

/**
 * Runs `attempt` until it succeeds, fails for good, or the next wait would end past the deadline.
 * `attempt` receives the time left, so it can cap its own timeout by the budget.
 */
export async function retryWithinDeadline<T>(attempt: (remainingMs: number) => Promise<T>, options: RetryOptions): Promise<RetryResult<T>> {
  const { clock, deadline } = options;
  let lastError: unknown = new Error('no attempt was made: the time budget was already spent');
  for (let attempts = 0; ; ) {
    const remainingMs = deadline - clock.now();
    if (remainingMs <= 0) return { ok: false, error: lastError, attempts, retryable: true, budgetExhausted: true };
    attempts += 1;
    try {
      return { ok: true, value: await attempt(remainingMs), attempts };
    } catch (error) {
      lastError = error;
      if (!options.shouldRetry(error)) return { ok: false, error, attempts, retryable: false, budgetExhausted: false };
    }
    const waitMs = fullJitterDelayMs(attempts, options.backoff, clock.random);
    // Waiting past the deadline only to give up then would hide the outcome for nothing.
    if (clock.now() + waitMs >= deadline) return { ok: false, error: lastError, attempts, retryable: true, budgetExhausted: true };
    await clock.sleep(waitMs);
  }
}
