import type { BundleFigures } from './lambda-bundles';
import type { ObserveFigures } from './observe-cost';
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
  observe: ObserveFigures[];
  repoint: RepointFigures[];
  bundles: BundleFigures[];
}
