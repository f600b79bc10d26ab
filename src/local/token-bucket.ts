export type Clock = () => number;

export interface TokenBucketSpec {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

/**
 * A bucket that starts full, loses one token per request and regains tokens continuously at
 * `refillPerSecond`, never above `capacity` — the algorithm EC2 documents for its API throttling.
 */
export class TokenBucket {
  private available: number;
  private lastRefillMs: number;

  constructor(
    readonly spec: TokenBucketSpec,
    private readonly now: Clock = Date.now,
  ) {
    this.available = spec.capacity;
    this.lastRefillMs = now();
  }

  /** Takes `count` tokens if all are there; a request that finds too few takes nothing. */
  tryTake(count = 1): boolean {
    this.refill();
    if (this.available + 1e-9 < count) return false;
    this.available -= count;
    return true;
  }

  canTake(count = 1): boolean {
    this.refill();
    return this.available + 1e-9 >= count;
  }

  tokens(): number {
    this.refill();
    return this.available;
  }

  private refill(): void {
    const nowMs = this.now();
    const elapsedSeconds = Math.max(0, nowMs - this.lastRefillMs) / 1000;
    this.lastRefillMs = nowMs;
    this.available = Math.min(this.spec.capacity, this.available + elapsedSeconds * this.spec.refillPerSecond);
  }
}
