/*
 * Percentiles by nearest rank (the smallest sample at or above p % of the samples), in seconds.
 */

export interface Distribution {
  readonly trials: number;
  readonly p50_s: number;
  readonly p95_s: number;
  readonly p99_s: number;
  readonly max_s: number;
  readonly min_s: number;
  readonly samples_s: readonly number[];
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

const seconds = (ms: number) => Math.round(ms) / 1000;

export function distribution(samplesMs: readonly number[]): Distribution {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    trials: sorted.length,
    p50_s: seconds(percentile(sorted, 50)),
    p95_s: seconds(percentile(sorted, 95)),
    p99_s: seconds(percentile(sorted, 99)),
    max_s: seconds(sorted.at(-1) ?? Number.NaN),
    min_s: seconds(sorted[0] ?? Number.NaN),
    samples_s: sorted.map(seconds),
  };
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}
