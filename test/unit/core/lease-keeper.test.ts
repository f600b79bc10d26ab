import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { abortableSleep } from '../../../src/core/abortable-sleep';
import { LeaseKeeper } from '../../../src/core/lease-keeper';
import { silentLogger } from '../../../src/core/logger';
import { SimLease } from '../../../src/sim/sim-lease';
import { SimState } from '../../../src/sim/sim-state';
import { clusterSpec } from '../../fixtures/specs';

/* The lease keeper on simulated time: acquire, keep alive through slow work, notice a loss, release. */

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

function keeperOf(holder: string, lease: SimLease): LeaseKeeper {
  return new LeaseKeeper({ lease, clock: Date.now, sleep: abortableSleep, logger: silentLogger }, holder);
}

describe('LeaseKeeper', () => {
  it('keeps the lease alive through work longer than its time-to-live, so no standby can take it', async () => {
    // Prepare
    const lease = new SimLease(new SimState(clusterSpec()));
    const keeper = keeperOf('a', lease);
    await keeper.tryAcquire(300);
    const slowWork = new Promise((resolve) => setTimeout(resolve, 1000));

    // Act
    const working = keeper.keepAliveDuring(slowWork, 300, () => ({}));
    await vi.advanceTimersByTimeAsync(950);
    const rival = await keeperOf('b', lease).tryAcquire(300);
    await vi.advanceTimersByTimeAsync(100);
    await working;

    // Assess
    expect(rival.acquired).toBe(false);
    expect(keeper.fence).toBeDefined();
  });

  it('fires mayBeLost and forgets the fence as soon as a renewal is refused', async () => {
    // Prepare
    const state = new SimState(clusterSpec());
    const lease = new SimLease(state);
    const keeper = keeperOf('a', lease);
    await keeper.tryAcquire(300);
    const slowWork = new Promise((resolve) => setTimeout(resolve, 1000));
    const working = keeper.keepAliveDuring(slowWork, 300, () => ({}));

    // Act: the lease expires unseen (a paused process) and another holder takes it
    lease.expiresAt = 0;
    await keeperOf('b', lease).tryAcquire(300);
    await vi.advanceTimersByTimeAsync(150);

    // Assess
    expect(keeper.mayBeLost.aborted).toBe(true);
    expect(keeper.fence).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1000);
    await working;
  });

  it('saves the baselines and lets the next holder in at once on release', async () => {
    // Prepare
    const lease = new SimLease(new SimState(clusterSpec()));
    const keeper = keeperOf('a', lease);
    await keeper.tryAcquire(3000);

    // Act
    await keeper.release(3000, { node1: { seq: 7, seenAt: 1 } });
    const next = await keeperOf('b', lease).tryAcquire(3000);

    // Assess
    expect(next).toMatchObject({ acquired: true, baselines: { node1: { seq: 7, seenAt: 1 } }, tookOver: true });
    expect(keeper.fence).toBeUndefined();
  });
});
