/** A clock that moves only when told: simulations and tests run seconds of failover in microseconds. */
export class SimClock {
  constructor(private nowMs = Date.UTC(2026, 0, 1, 12, 0, 0)) {}

  readonly now = (): number => this.nowMs;

  advance(ms: number): void {
    this.nowMs += ms;
  }

  /** Seconds since `start`, for timelines. */
  elapsedSince(start: number): string {
    return `T+${((this.nowMs - start) / 1000).toFixed(1).padStart(5)}s`;
  }
}
