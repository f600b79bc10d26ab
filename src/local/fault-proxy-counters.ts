export interface ProxyCounters {
  /** Every EC2 request that reached the proxy, by action. */
  readonly calls: Record<string, number>;
  /** Requests passed on to moto, by action. */
  readonly forwarded: Record<string, number>;
  /** Injected errors and hangs, by action then by error code (`hang` for hangs). */
  readonly faults: Record<string, Record<string, number>>;
  /** Requests that got injected latency, by action. */
  readonly delayed: Record<string, number>;
  /** RequestLimitExceeded answers from the token buckets, by action. */
  readonly throttled: Record<string, number>;
  /** Requests refused for breaking an EC2 limit moto does not enforce, by action then code. */
  readonly rejected: Record<string, Record<string, number>>;
  /** AWS-fidelity corrections applied, by correction name. */
  readonly corrected: Record<string, number>;
  /** State-change events written to the sink. */
  readonly events: number;
}

type Tally = Record<string, number>;

function bump(tally: Tally, key: string, by = 1): void {
  tally[key] = (tally[key] ?? 0) + by;
}

/** What the proxy did, counted so tests can prove a retry, a throttle or a fault happened. */
export class ProxyCounterBook {
  private calls: Tally = {};
  private forwarded: Tally = {};
  private faults: Record<string, Tally> = {};
  private delayed: Tally = {};
  private throttled: Tally = {};
  private rejected: Record<string, Tally> = {};
  private corrected: Tally = {};
  private events = 0;

  call(action: string): void {
    bump(this.calls, action);
  }

  forward(action: string): void {
    bump(this.forwarded, action);
  }

  fault(action: string, code: string): void {
    bump((this.faults[action] ??= {}), code);
  }

  delay(action: string): void {
    bump(this.delayed, action);
  }

  throttle(action: string): void {
    bump(this.throttled, action);
  }

  reject(action: string, code: string): void {
    bump((this.rejected[action] ??= {}), code);
  }

  correct(correction: string): void {
    bump(this.corrected, correction);
  }

  eventsWritten(count: number): void {
    this.events += count;
  }

  snapshot(): ProxyCounters {
    return structuredClone({
      calls: this.calls,
      forwarded: this.forwarded,
      faults: this.faults,
      delayed: this.delayed,
      throttled: this.throttled,
      rejected: this.rejected,
      corrected: this.corrected,
      events: this.events,
    });
  }

  reset(): void {
    this.calls = {};
    this.forwarded = {};
    this.faults = {};
    this.delayed = {};
    this.throttled = {};
    this.rejected = {};
    this.corrected = {};
    this.events = 0;
  }
}
