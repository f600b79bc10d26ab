import { Duration } from 'aws-cdk-lib';
import { stopMarginMs } from '../src/core/loop';
import type { Schedule } from 'aws-cdk-lib/aws-events';
import type { ClusterSpec } from '../src/core/model';
import { ConstructPropsError } from './deploy-errors';

/*
 * How long a reconciler run lasts, and how many may run at once, so that nothing ever watches the
 * nodes with a gap:
 *
 *   each run loops until its deadline minus the stop margin (lambdas/reconciler/handler.ts and the
 *   loop's default margin in src/core/loop.ts: 2 × apiCallTimeoutSeconds + checkIntervalSeconds),
 *   then releases the lease to the next run, which is already standing by. EventBridge fires a
 *   scheduled rule anywhere within its minute and the target may start several seconds later, so a
 *   run can start up to `lateness` after its nominal time while the one before started on time:
 *
 *     timeout − stop margin ≥ period + lateness,  i.e.  timeout ≥ period + lateness + stop margin.
 *
 * Runs overlap (the lease lets one act; the others stand by): at most ⌈(timeout + lateness) /
 * period⌉ are alive at once, and the reserved concurrency must let all of them start, or the next
 * run is throttled into a gap.
 */

/** A scheduled run may start this long after its nominal time: anywhere in its minute, plus delivery and a cold start. */
export const DEFAULT_SCHEDULE_LATENESS_SECONDS = 70;
/** At least two runs: the one acting and the one taking over. */
export const MIN_RESERVED_CONCURRENCY = 2;
const MAX_LAMBDA_TIMEOUT_SECONDS = 900;
const RATE_UNIT_SECONDS: Readonly<Record<string, number>> = { minute: 60, minutes: 60, hour: 3_600, hours: 3_600, day: 86_400, days: 86_400 };

export interface ReconcilerSizingInput {
  readonly spec: ClusterSpec;
  readonly schedule: Schedule;
  /** @default period + lateness + stop margin, rounded up to a second */
  readonly timeout?: Duration | undefined;
  /** @default Duration.seconds(DEFAULT_SCHEDULE_LATENESS_SECONDS) */
  readonly lateness?: Duration | undefined;
  /** @default the number of runs that can overlap, at least 2 */
  readonly reservedConcurrency?: number | undefined;
  /** @default 256 */
  readonly memorySize?: number | undefined;
}

export interface ReconcilerSizing {
  readonly periodSeconds: number;
  readonly latenessSeconds: number;
  readonly stopMarginSeconds: number;
  readonly timeout: Duration;
  /** How long a run loops: its timeout minus the stop margin. */
  readonly loopSeconds: number;
  /** Runs alive at once at worst. */
  readonly overlappingRuns: number;
  readonly reservedConcurrency: number;
  readonly memorySize: number;
}

/** The loop's default stop margin (src/core/loop.ts): room to finish the calls in flight and release the lease. */
export function reconcilerStopMarginSeconds(spec: ClusterSpec): number {
  return stopMarginMs(spec) / 1000;
}

function ratePeriodSeconds(schedule: Schedule): number {
  const match = /^rate\((\d+) (\w+)\)$/.exec(schedule.expressionString);
  const unit = match ? RATE_UNIT_SECONDS[match[2]!] : undefined;
  if (!match || unit === undefined) {
    throw new ConstructPropsError('EC2F-K003', `reconcilerSchedule must be a rate(…) expression, so runs can be sized to overlap; got ${schedule.expressionString}`);
  }
  return Number(match[1]) * unit;
}

export function reconcilerSizing(input: ReconcilerSizingInput): ReconcilerSizing {
  const periodSeconds = ratePeriodSeconds(input.schedule);
  const latenessSeconds = (input.lateness ?? Duration.seconds(DEFAULT_SCHEDULE_LATENESS_SECONDS)).toSeconds();
  const stopMarginSeconds = reconcilerStopMarginSeconds(input.spec);
  const neededSeconds = Math.ceil(periodSeconds + latenessSeconds + stopMarginSeconds);
  const timeoutSeconds = input.timeout?.toSeconds() ?? neededSeconds;
  if (neededSeconds > MAX_LAMBDA_TIMEOUT_SECONDS || timeoutSeconds > MAX_LAMBDA_TIMEOUT_SECONDS) {
    throw new ConstructPropsError(
      'EC2F-K003',
      `reconcilerTimeout must be at most ${MAX_LAMBDA_TIMEOUT_SECONDS} s; runs every ${periodSeconds} s need ${neededSeconds} s (up to ${latenessSeconds} s late, ${stopMarginSeconds} s stop margin): schedule them more often`,
    );
  }
  if (timeoutSeconds < neededSeconds) {
    throw new ConstructPropsError(
      'EC2F-K003',
      `a reconciler run loops for ${timeoutSeconds - stopMarginSeconds} s (reconcilerTimeout ${timeoutSeconds} s minus its ${stopMarginSeconds} s stop margin), but the next run may start up to ${periodSeconds + latenessSeconds} s after it (every ${periodSeconds} s, up to ${latenessSeconds} s late): set reconcilerTimeout to at least ${neededSeconds} s`,
    );
  }
  const overlappingRuns = Math.ceil((timeoutSeconds + latenessSeconds) / periodSeconds);
  const reservedConcurrency = input.reservedConcurrency ?? Math.max(MIN_RESERVED_CONCURRENCY, overlappingRuns);
  if (!Number.isInteger(reservedConcurrency) || reservedConcurrency < Math.max(MIN_RESERVED_CONCURRENCY, overlappingRuns)) {
    throw new ConstructPropsError(
      'EC2F-K004',
      `up to ${overlappingRuns} reconciler runs overlap (${timeoutSeconds} s each, one starting every ${periodSeconds} s, up to ${latenessSeconds} s late); reconcilerReservedConcurrency ${reservedConcurrency} would throttle the next one: set at least ${Math.max(MIN_RESERVED_CONCURRENCY, overlappingRuns)}`,
    );
  }
  const memorySize = input.memorySize ?? 256;
  if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10_240) {
    throw new ConstructPropsError('EC2F-K003', `reconcilerMemorySize must be a whole number of MiB between 128 and 10240; got ${memorySize}`);
  }
  return {
    periodSeconds,
    latenessSeconds,
    stopMarginSeconds,
    timeout: Duration.seconds(timeoutSeconds),
    loopSeconds: timeoutSeconds - stopMarginSeconds,
    overlappingRuns,
    reservedConcurrency,
    memorySize,
  };
}
