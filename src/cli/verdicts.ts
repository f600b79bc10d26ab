import type { Verdicts } from '../aws/dynamodb/verdict-store';
import { verdictMaxAgeMs } from '../core/verdict-age';
import type { ClusterSpec } from '../core/model';

/*
 * How far the CLI trusts the reconciler's recorded verdicts: they are rewritten on every change
 * and at least twice within their maximum age (verdict-store.ts), or, by a reconciler that runs
 * on demand, at every run (and they say how long they stand), so an older item means no
 * reconciler is judging, and then the CLI judges nothing itself.
 */

export type VerdictReading =
  | { readonly kind: 'fresh'; readonly verdicts: Verdicts; readonly ageMs: number }
  | { readonly kind: 'stale'; readonly verdicts: Verdicts; readonly ageMs: number }
  | { readonly kind: 'none' };

export function readingOf(verdicts: Verdicts | undefined, spec: ClusterSpec, now: number): VerdictReading {
  if (verdicts === undefined) return { kind: 'none' };
  const ageMs = Math.max(0, now - verdicts.at);
  return { kind: ageMs <= (verdicts.validForMs ?? verdictMaxAgeMs(spec)) ? 'fresh' : 'stale', verdicts, ageMs };
}
