/*
 * The scaled-down profile of the campaign (heartbeat ×0.25 and the rest to match) and the
 * convergence bound it implies.
 */

export const PROFILE = {
  heartbeatSeconds: 0.25,
  missedBeats: 3,
  checkIntervalSeconds: 0.25,
  driftCheckIntervalSeconds: 1,
  /** The controllers run on demand, as deployed: a scheduled run this often (a minute deployed), and whenever woken. */
  schedulePeriodSeconds: 5,
  apiCallTimeoutSeconds: 1,
  /** The repair's retry budget: one restore / recover / remove with its retries. */
  retryBudgetSeconds: 3,
  quickCheckTimeoutSeconds: 2,
  maxRetry: 3,
} as const;

/** A controller's lease: 3 ticks, at least 1 s (src/core/loop.ts). */
export const LEASE_TTL_MS = Math.max(1000, 3 * PROFILE.checkIntervalSeconds * 1000);

/**
 * After the last fault ends, every protected route and the EIP are on the owner within
 * missedBeats × interval + 2 × checkInterval + the retry budget, plus what the design adds on top:
 * a scheduled run's period (drift made by someone else, which wakes nobody, is only seen by the
 * next scheduled run) and a lease TTL (a killed or frozen leader's lease has to run out before the
 * standby acts).
 */
export function convergenceBoundMs(): number {
  const p = PROFILE;
  return Math.round((p.missedBeats * p.heartbeatSeconds + 2 * p.checkIntervalSeconds + p.retryBudgetSeconds + Math.max(p.driftCheckIntervalSeconds, p.schedulePeriodSeconds)) * 1000 + LEASE_TTL_MS);
}

/** How long after a restart (ready) a node may take to poll its status and run its deactivate hook. */
export function restartGraceMs(): number {
  return Math.round(2 * PROFILE.heartbeatSeconds * 1000 + 1000);
}
