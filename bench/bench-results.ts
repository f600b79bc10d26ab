import type { BundleFigures } from './lambda-bundles';
import type { ObserveFigures } from './observe-cost';
import type { FootprintFigures, RunFigures } from './reconciler-footprint';
import type { RepointFigures } from './repoint-throttled';
import type { Distribution } from './stats';

/*
 * The shape of bench/results.json.
 */

export interface BenchResults {
  readonly machine: { readonly nproc: number; readonly cpu: string; readonly loadAverage: readonly number[] };
  readonly command: string;
  readonly startedAt: string;
  totalSeconds: number;
  readonly failover: {
    heartbeat?: Distribution;
    instanceStop?: Distribution;
    gracefulLeave?: Distribution;
    fastProfile?: Distribution;
  };
  switchover20?: Distribution;
  /** The controller's memory and CPU: over a steady minute, and over the failover trials. */
  reconcilerFootprint?: { steady?: FootprintFigures; underFailovers?: FootprintFigures };
  /** Runs of a steady cluster, woken one by one: how long a scheduled run lasts. */
  steadyRuns?: RunFigures;
  observe: ObserveFigures[];
  repoint: RepointFigures[];
  bundles: BundleFigures[];
}
