import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitUntilOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Checked between probes so a dead child process ends the wait at once instead of at the timeout. */
  readonly abortIf?: () => Error | undefined;
}

/** Polls `probe` until it resolves to true; returns false when the time is up. */
export async function waitUntil(probe: () => Promise<boolean>, options: WaitUntilOptions): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 100;
  for (;;) {
    const abortReason = options.abortIf?.();
    if (abortReason) throw abortReason;
    if (await probe().catch(() => false)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}
