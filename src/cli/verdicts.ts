import type { Verdicts } from '../aws/dynamodb/verdict-store';
import type { ClusterSpec } from '../core/model';

/*
 * How far the CLI trusts the reconciler's recorded verdicts: they are rewritten every tick, so
 * an old item means no reconciler is judging right now, and then the CLI judges nothing itself.
 */

/** Older than this, the verdicts describe a reconciler that is not running: five ticks, at least 10 s. */
export function verdictMaxAgeMs(spec: ClusterSpec): number {
  return Math.max(10_000, 5 * spec.defaults.checkIntervalSeconds * 1000);
}

export type VerdictReading =
  | { readonly kind: 'fresh'; readonly verdicts: Verdicts; readonly ageMs: number }
  | { readonly kind: 'stale'; readonly verdicts: Verdicts; readonly ageMs: number }
  | { readonly kind: 'none' };

export function readingOf(verdicts: Verdicts | undefined, spec: ClusterSpec, now: number): VerdictReading {
  if (verdicts === undefined) return { kind: 'none' };
  const ageMs = Math.max(0, now - verdicts.at);
  return { kind: ageMs <= verdictMaxAgeMs(spec) ? 'fresh' : 'stale', verdicts, ageMs };
}
