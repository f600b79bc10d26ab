/*
 * How old the reconciler's recorded verdicts may be. `status` and the switchover precheck trust
 * verdicts up to verdictMaxAgeMs old; the recorder rewrites steady verdicts every
 * verdictRefreshMs (and changed ones at once), half that age, so a running reconciler's verdicts
 * are never taken for stale; the cost estimate counts those writes.
 */

/** What the verdicts' age depends on: the loop's tick. */
export interface TickSpec {
  readonly defaults: { readonly checkIntervalSeconds: number };
}

/** Older than this, the verdicts describe a reconciler that is not judging: five ticks, at least 10 s. */
export function verdictMaxAgeMs(spec: TickSpec): number {
  return Math.max(10_000, 5 * spec.defaults.checkIntervalSeconds * 1000);
}

/** A steady cluster's verdicts are rewritten this often: half their maximum age. */
export function verdictRefreshMs(spec: TickSpec): number {
  return verdictMaxAgeMs(spec) / 2;
}

/**
 * How long the verdicts of a reconciler that runs on demand stand: its next scheduled run may
 * start anywhere within the next period, and as late again (delivery, a cold start, a busy
 * run before it), plus 10 s to judge.
 */
export function onDemandVerdictMaxAgeMs(periodMs: number): number {
  return 2 * periodMs + 10_000;
}
