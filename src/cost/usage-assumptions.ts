/*
 * What the estimate assumes where neither the template nor the config can say: item sizes (they
 * set read and write units), log bytes, how long an on-demand run lasts, and how often the
 * event-driven functions run. Each says
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
  /**
   * EMF bytes per tick and silent node: one HeartbeatAgeSeconds line each. A steady tick prints
   * no EMF line: the heartbeat age goes out only for a node whose heartbeat is a failure window old.
   */
  readonly emfBytesPerTickAndNode: number;
  /** Log bytes per reconciler run: START/END/REPORT, lease acquired, run finished, the run's EMF summary. */
  readonly logBytesPerRun: number;
  /**
   * Billed seconds of a steady `on-demand` run: start, the lease, a tick that reads EC2 and finds
   * every group steady, the release. `npm run bench -- --only footprint` measures 0.125 s
   * (p50, 0.17 s max: a tick and an immediate look at its EC2 read) for the local world's
   * controller on this machine; on Lambda at
   * 256 MB (0.145 vCPU) with real AWS round trips a run takes longer, so 2 s is assumed.
   */
  readonly steadyRunSeconds: number;
  /** `on-demand` runs a month woken by agents, the events function or the CLI (failovers, switchovers, agent restarts). */
  readonly wokenRunsPerMonth: number;
  /** Billed seconds of a woken run: it ticks until the cluster is steady again. */
  readonly wokenRunSeconds: number;
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
  emfBytesPerTickAndNode: 270,
  // About five JSON lines of 200-400 B and Lambda's START/END/REPORT lines.
  logBytesPerRun: 2_000,
  steadyRunSeconds: 2,
  // A guess: a few failovers and switchovers, agent restarts and node events, each waking a run.
  wokenRunsPerMonth: 200,
  wokenRunSeconds: 10,
  // A guess: a stop/start of each node now and then, alarms changing state.
  nodeEventsPerMonth: 100,
  nodeEventSeconds: 0.5,
};
