import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit } from '../../../../src/aws/ec2/concurrency';
import { fullJitterDelayMs, retryWithinDeadline, type RetryClock } from '../../../../src/aws/ec2/retry';

/** A clock that only moves when the code under test waits. */
function steppedClock(random = () => 0.5): RetryClock & { waits: number[] } {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
    random,
  };
}

const backoff = { baseDelayMs: 100, maxDelayMs: 1000 };

describe('fullJitterDelayMs', () => {
  it('waits between zero and a doubling ceiling that stops at the maximum', () => {
    // Act
    const ceilings = [1, 2, 3, 4, 5, 10].map((retry) => fullJitterDelayMs(retry, backoff, () => 0.999999));
    const floors = [1, 5].map((retry) => fullJitterDelayMs(retry, backoff, () => 0));

    // Assess
    expect(ceilings).toEqual([99, 199, 399, 799, 999, 999]);
    expect(floors).toEqual([0, 0]);
  });
});

describe('retryWithinDeadline', () => {
  it('retries retryable failures until one succeeds', async () => {
    // Prepare
    const clock = steppedClock();
    let calls = 0;

    // Act
    const result = await retryWithinDeadline(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('throttled');
        return 'done';
      },
      { deadline: 10_000, clock, backoff, shouldRetry: () => true },
    );

    // Assess
    expect(result).toEqual({ ok: true, value: 'done', attempts: 3 });
    expect(clock.waits).toEqual([50, 100]);
  });

  it('stops at once on a failure that retrying cannot fix', async () => {
    // Prepare
    const clock = steppedClock();
    const refusal = new Error('refused');

    // Act
    const result = await retryWithinDeadline(
      async () => {
        throw refusal;
      },
      { deadline: 10_000, clock, backoff, shouldRetry: () => false },
    );

    // Assess
    expect(result).toMatchObject({ ok: false, error: refusal, attempts: 1, retryable: false, budgetExhausted: false });
    expect(clock.waits).toEqual([]);
  });

  it('gives up before a wait that would end past the deadline', async () => {
    // Prepare
    const clock = steppedClock(() => 0.999);

    // Act
    const result = await retryWithinDeadline(
      async () => {
        throw new Error('still throttled');
      },
      { deadline: 2_000, clock, backoff, shouldRetry: () => true },
    );

    // Assess
    expect(result).toMatchObject({ ok: false, retryable: true, budgetExhausted: true });
    expect(clock.now()).toBeLessThan(2_000);
    expect(clock.waits.reduce((sum, ms) => sum + ms, 0)).toBeLessThan(2_000);
    if (!result.ok) expect(result.attempts).toBe(clock.waits.length + 1);
  });

  it('hands each attempt the time left, so its own timeout can stay inside the budget', async () => {
    // Prepare
    const clock = steppedClock();
    const remaining: number[] = [];

    // Act
    await retryWithinDeadline(
      async (remainingMs) => {
        remaining.push(remainingMs);
        if (remaining.length < 3) throw new Error('again');
      },
      { deadline: 1_000, clock, backoff, shouldRetry: () => true },
    );

    // Assess
    expect(remaining).toEqual([1_000, 950, 850]);
  });
});

describe('ConcurrencyLimit', () => {
  it('never runs more tasks at once than its limit, and runs them all', async () => {
    // Prepare
    const limit = new ConcurrencyLimit(3);
    let running = 0;
    let peak = 0;
    const task = async (value: number) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 2));
      running -= 1;
      return value;
    };

    // Act
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => limit.run(() => task(i))));

    // Assess
    expect(peak).toBe(3);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(limit.inFlight).toBe(0);
  });

  it('frees the slot of a task that fails', async () => {
    // Prepare
    const limit = new ConcurrencyLimit(1);

    // Act
    await expect(limit.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const after = await limit.run(async () => 'next');

    // Assess
    expect(after).toBe('next');
    expect(limit.inFlight).toBe(0);
  });

  it('refuses a limit that is not a positive integer', () => {
    // Act / Assess
    expect(() => new ConcurrencyLimit(0)).toThrow(TypeError);
  });
});
