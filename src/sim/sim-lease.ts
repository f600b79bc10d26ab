import type { LivenessBaselines } from '../core/model';
import type { FencingToken, LeaseAcquisition, LeasePort } from '../core/ports';
import type { SimState } from './sim-state';

/** The reconcile lease of the in-memory world; a new holder's token fences the old one's status writes. */
export class SimLease implements LeasePort {
  holder: string | undefined;
  expiresAt = 0;
  baselines: LivenessBaselines = {};

  constructor(private readonly state: SimState) {
    this.state.leaseToken = 0;
  }

  async acquire(holder: string, ttlMs: number, now: number): Promise<LeaseAcquisition> {
    if (this.holder !== undefined && this.holder !== holder && this.expiresAt > now) {
      return { acquired: false, holder: this.holder, token: this.state.leaseToken, expiresAt: this.expiresAt };
    }
    const previousHolder = this.holder;
    const tookOver = previousHolder !== holder;
    const previousReleased = this.expiresAt === 0;
    if (tookOver) this.state.leaseToken += 1;
    this.holder = holder;
    this.expiresAt = now + ttlMs;
    return { acquired: true, fence: { holder, token: this.state.leaseToken }, expiresAt: this.expiresAt, baselines: this.baselines, tookOver, previousHolder, previousReleased };
  }

  async renew(fence: FencingToken, ttlMs: number, now: number, baselines?: LivenessBaselines): Promise<{ renewed: boolean }> {
    if (!this.holds(fence)) return { renewed: false };
    this.expiresAt = now + ttlMs;
    if (baselines) this.baselines = baselines;
    return { renewed: true };
  }

  async release(fence: FencingToken): Promise<void> {
    if (this.holds(fence)) this.expiresAt = 0;
  }

  private holds(fence: FencingToken): boolean {
    return fence.holder === this.holder && fence.token === this.state.leaseToken;
  }
}
