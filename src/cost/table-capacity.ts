import type { ClusterSpec } from '../core/model';
import { heartbeatsUsage, resourcesUsage, type SteadyShape, type Usage } from './dynamodb-lines';
import { DEFAULT_USAGE_ASSUMPTIONS, type UsageAssumptions } from './usage-assumptions';

/*
 * Provisioned capacity for the two tables whose load is steady: the resources table (the lease
 * holder's Scan and lease renewal every tick, the standby runs' lease reads, each agent's read of
 * the status every beat) and the heartbeats table (one write per node and beat, the holder's Scan
 * every tick). The load is the one the cost estimate counts (dynamodb-lines.ts), per second; each
 * capacity is that load × 1.5, plus one unit, at least two: room for a failover's transaction
 * (two write units per item), an operator's command and the agents' reads of each other's
 * heartbeats during a handover, with DynamoDB's burst capacity (up to five minutes of unused
 * capacity) for a deploy's apply. The history table, written only on transitions, stays on demand.
 */

export interface TableCapacity {
  readonly read: number;
  readonly write: number;
}

const HEADROOM = 1.5;
const MIN_UNITS = 2;

function perSecond(uses: readonly Usage[], kind: Usage['kind'], monthSeconds: number): number {
  return uses.filter((use) => use.kind === kind).reduce((sum, use) => sum + use.units, 0) / monthSeconds;
}

function capacityFor(uses: readonly Usage[], monthSeconds: number): TableCapacity {
  const size = (steady: number) => Math.max(MIN_UNITS, Math.ceil(steady * HEADROOM) + 1);
  return { read: size(perSecond(uses, 'read', monthSeconds)), write: size(perSecond(uses, 'write', monthSeconds)) };
}

/**
 * Capacity for the resources and heartbeats tables of this cluster, with `standbyRuns` reconciler
 * runs reading the lease beside the holder (the most that overlap, for capacity).
 */
export function provisionedCapacity(
  spec: ClusterSpec,
  standbyRuns: number,
  usage: UsageAssumptions = DEFAULT_USAGE_ASSUMPTIONS,
): { readonly resources: TableCapacity; readonly heartbeats: TableCapacity } {
  const shape: SteadyShape = { ticksPerMonth: usage.monthSeconds / spec.defaults.checkIntervalSeconds, standbyRuns };
  return {
    resources: capacityFor(resourcesUsage(spec, shape, usage), usage.monthSeconds),
    heartbeats: capacityFor(heartbeatsUsage(spec, shape, usage), usage.monthSeconds),
  };
}
