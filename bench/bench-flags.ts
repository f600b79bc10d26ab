/*
 * `npm run bench -- [--quick] [--trials N] [--only PART,…] [--out DIR]`: trial counts are
 * flags so the benchmark can be developed small; the defaults are the published run's.
 */

export type BenchPart = 'footprint' | 'failover' | 'fast' | 'switchover' | 'observe' | 'repoint' | 'bundles';
export const ALL_PARTS: readonly BenchPart[] = ['footprint', 'failover', 'fast', 'switchover', 'observe', 'repoint', 'bundles'];

export interface BenchFlags {
  readonly heartbeatTrials: number;
  readonly stopTrials: number;
  readonly leaveTrials: number;
  readonly fastTrials: number;
  readonly switchoverTrials: number;
  readonly repointSizes: readonly number[];
  readonly parts: readonly BenchPart[];
  readonly outDir: string | undefined;
}

function valueOf(argv: readonly string[], name: string): string | undefined {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
}

export function parseBenchFlags(argv: readonly string[]): BenchFlags {
  const quick = argv.includes('--quick');
  const trials = valueOf(argv, '--trials');
  const n = trials === undefined ? undefined : Number(trials);
  if (n !== undefined && !(Number.isInteger(n) && n > 0)) throw new TypeError(`--trials takes a whole number above 0, not ${trials}`);
  const only = valueOf(argv, '--only')?.split(',') as BenchPart[] | undefined;
  const unknown = only?.filter((part) => !ALL_PARTS.includes(part)) ?? [];
  if (unknown.length > 0) throw new TypeError(`--only takes ${ALL_PARTS.join(', ')}; not ${unknown.join(', ')}`);
  // --trials N sets the crash count; the others keep their proportion to it (100 : 20 : 20 : 30 : 10).
  const crash = n ?? (quick ? 5 : 100);
  const share = (fraction: number) => Math.max(1, Math.round(crash * fraction));
  return {
    heartbeatTrials: crash,
    stopTrials: share(0.2),
    leaveTrials: share(0.2),
    fastTrials: share(0.3),
    switchoverTrials: share(0.1) < 3 ? 3 : share(0.1),
    repointSizes: quick ? [100] : [100, 500],
    parts: only ?? ALL_PARTS,
    outDir: valueOf(argv, '--out'),
  };
}
