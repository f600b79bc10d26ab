import type { ClusterSpec } from '../core/model';
import type { RunShape as RunShapeName } from '../names';
import { heartbeatsUsage, resourcesUsage, type SteadyShape, type Usage } from './dynamodb-lines';
import { DEFAULT_USAGE_ASSUMPTIONS, type UsageAssumptions } from './usage-assumptions';

/*
 * Provisioned capacity for the two tables whose load is steady: the resources table (the lease
 * holder's Scan and lease renewal every tick, each agent's read of the status every beat) and the
 * heartbeats table (one write per node and beat, the standby nodes' reads of their owner's
 * heartbeat, the holder's Scan every tick). The load is the one the cost estimate counts
 * (dynamodb-lines.ts), per second. The history table, written only on transitions, stays on demand.
 *
 * on-demand runs: the steady load rounded up, plus one unit. That load is set by the node count and
 * the intervals alone (a redeploy resizes it when they change), and what a run adds above it (its
 * first Scan, a failover's transaction, an operator's command) is short: DynamoDB keeps up to five
 * minutes (300 s) of unused capacity as burst capacity, and a table that runs below its capacity
 * all month has it to spend.
 * resident runs: the steady load × 1.5, plus one unit, at least two, as the overlapping runs'
 * lease reads come and go with their start times.
 */

export interface TableCapacity {
  readonly read: number;
  readonly write: number;
}

const RESIDENT_HEADROOM = 1.5;
const RESIDENT_MIN_UNITS = 2;

function perSecond(uses: readonly Usage[], kind: Usage['kind'], monthSeconds: number): number {
  return uses.filter((use) => use.kind === kind).reduce((sum, use) => sum + use.units, 0) / monthSeconds;
}

function sized(steady: number, shape: RunShapeName): number {
  if (shape === 'on-demand') return Math.ceil(steady) + 1;
  return Math.max(RESIDENT_MIN_UNITS, Math.ceil(steady * RESIDENT_HEADROOM) + 1);
}

function capacityFor(uses: readonly Usage[], shape: RunShapeName, monthSeconds: number): TableCapacity {
  return { read: sized(perSecond(uses, 'read', monthSeconds), shape), write: sized(perSecond(uses, 'write', monthSeconds), shape) };
}

/**
 * Capacity for the resources and heartbeats tables of this cluster under `shape` (for resident
 * runs, give the most runs that stand by at once, not the average).
 */
export function provisionedCapacity(
  spec: ClusterSpec,
  shape: SteadyShape,
  usage: UsageAssumptions = DEFAULT_USAGE_ASSUMPTIONS,
): { readonly resources: TableCapacity; readonly heartbeats: TableCapacity } {
  return {
    resources: capacityFor(resourcesUsage(spec, shape, usage), shape.name, usage.monthSeconds),
    heartbeats: capacityFor(heartbeatsUsage(spec, shape, usage), shape.name, usage.monthSeconds),
  };
}
