/*
 * What the estimate assumes where neither the template nor the config can say: item sizes (they
 * set read and write units), log bytes, and how often the event-driven functions run. Each says
 * what it rests on; `test/unit/cost/usage-assumptions.test.ts` checks the log figures against the
 * metrics code itself.
 */

export interface UsageAssumptions {
  /** Seconds in the month priced (30 days). */
  readonly monthSeconds: number;
  /** The resources table: the cluster item, the lease and the verdicts item. */
  readonly resourcesTableBaseKb: number;
  /** The resources table: each resource item (spec and its group's status). */
  readonly resourcesTableKbPerResource: number;
  /** The lease item written at each renewal (holder, token, expiry, each node's liveness baseline). */
  readonly leaseItemKb: number;
  /** The verdicts item the reconciler overwrites every tick. */
  readonly verdictsItemKb: number;
  /** One node's heartbeat item. */
  readonly heartbeatItemKb: number;
  /** EMF bytes per tick: the per-cluster line (ReconcileTicks). */
  readonly emfBytesPerTick: number;
  /** EMF bytes per tick and node: one HeartbeatAgeSeconds line each. */
  readonly emfBytesPerTickAndNode: number;
  /** Other log bytes per reconciler run: START/END/REPORT, lease acquired, run finished, the run's EMF summary. */
  readonly logBytesPerRun: number;
  /** Events-function invocations a month (EC2 state changes and alarm changes of the nodes). */
  readonly nodeEventsPerMonth: number;
  /** Billed seconds per events-function invocation. */
  readonly nodeEventSeconds: number;
}

export const DEFAULT_USAGE_ASSUMPTIONS: UsageAssumptions = {
  monthSeconds: 30 * 24 * 3_600,
  // About 5 KB for the example cluster with two resources, as in the earlier hand estimate.
  resourcesTableBaseKb: 2,
  resourcesTableKbPerResource: 1.5,
  leaseItemKb: 1,
  verdictsItemKb: 1,
  heartbeatItemKb: 0.5,
  // Measured from src/process/emf-metrics.ts for cluster prod-db (see the test named above).
  emfBytesPerTick: 260,
  emfBytesPerTickAndNode: 270,
  logBytesPerRun: 2_000,
  // A guess: a stop/start of each node now and then, alarms changing state.
  nodeEventsPerMonth: 100,
  nodeEventSeconds: 0.5,
};
