import { randomBytes } from 'node:crypto';

/*
 * Heartbeat sequence numbers must only grow, across restarts too: the control plane judges
 * liveness by the sequence advancing, and the store refuses a beat that does not advance it.
 *
 * A restarted agent starts from max(stored sequence, wall clock in ms) and adds 1 per beat.
 * Beats are far more than 1 ms apart, so a sequence that grows by 1 per beat never overtakes
 * the clock: starting from the clock lands above anything an earlier run wrote, even when
 * DynamoDB cannot be read at startup. The stored sequence covers a clock that stepped back
 * (it is read whenever it can be); a beat refused as stale re-reads it and jumps past it.
 */

export function initialSequence(stored: number | undefined, now: number): number {
  return Math.max(stored ?? 0, Math.floor(now));
}

/** Above this, repeated failures wait longer between beats; never longer than this. */
const MAX_BACKOFF_MS = 5_000;

/**
 * The wait before the next beat. Jitter only ever makes a beat earlier (90-100% of the
 * interval), so it spreads the agents' writes without eating into the missed-beat window.
 * After two failures in a row the wait doubles per failure, up to 5 s (or the interval, if
 * longer): a throttled or unreachable table is not hammered, and a recovered one is found again
 * within seconds.
 */
export function nextBeatDelayMs(intervalMs: number, consecutiveFailures: number, random: () => number = Math.random): number {
  const jitter = 0.9 + 0.1 * random();
  if (consecutiveFailures < 2) return intervalMs * jitter;
  const backoff = Math.min(intervalMs * 2 ** (consecutiveFailures - 1), Math.max(intervalMs, MAX_BACKOFF_MS));
  return backoff * jitter;
}

/**
 * A fresh incarnation: a random id an agent picks when it starts and writes on every beat, so a
 * restart is visible to the control plane even though the sequence keeps growing across it.
 */
export function newIncarnation(): string {
  return randomBytes(8).toString('hex');
}
