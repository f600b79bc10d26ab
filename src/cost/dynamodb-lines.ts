import { verdictRefreshMs } from '../core/verdict-age';
import { OWNER_LOOKS_PER_INTERVAL as LOOKS_PER_INTERVAL } from '../core/config-rules';
import type { ClusterSpec } from '../core/model';
import { heartbeatsTableName, historyTableName, resourcesTableName } from '../names';
import { costLine, type CostLine } from './cost-line';
import type { PriceList } from './prices-us-east-1';
import type { RunShape } from './run-shape';
import type { StackFacts, TableFacts } from './stack-facts';
import type { UsageAssumptions } from './usage-assumptions';

/*
 * DynamoDB: the request units each table takes a month. The reconciler's and the agents' Scans are
 * strongly consistent (one read unit per 4 KB scanned), a standby agent's read of its owner's
 * heartbeat eventually consistent (half a unit per 4 KB); every write one unit per KB of the item:
 *   resources:  the lease holder's Scan per tick (state and recorded events together) and one at
 *               each run's start (the spec), the standby runs' lease reads (resident runs only),
 *               each agent's Scan per heartbeat (it follows ownership); a lease renewal per tick
 *               and an acquisition and a release per run; the verdicts item on every change of a
 *               verdict and every verdictRefreshMs (5 s at the defaults) while a run ticks;
 *   heartbeats: the holder's Scan per tick; one PutItem per node and heartbeat; each standby
 *               node's GetItem of its owner's heartbeat every quarter interval;
 *   history:    written only on transitions (none in a steady month).
 * A table the template bills by provisioned capacity is priced by its capacity-hours instead.
 */

export interface Usage {
  readonly item: string;
  readonly units: number;
  readonly kind: 'read' | 'write';
  readonly basis: string;
}

/** What the steady load depends on besides the config: the runs, their ticks and the runs standing by. */
export type SteadyShape = Omit<RunShape, 'reconciler'>;

const readUnits = (kb: number) => Math.max(1, Math.ceil(kb / 4));
const eventuallyConsistentReadUnits = (kb: number) => readUnits(kb) / 2;
const writeUnits = (kb: number) => Math.max(1, Math.ceil(kb));

/** Verdict writes: the first tick of a run finds them older than the refresh, then one per refresh while it ticks. */
function verdictWrites(spec: ClusterSpec, shape: SteadyShape, usage: UsageAssumptions): number {
  const refreshSeconds = verdictRefreshMs(spec) / 1000;
  if (shape.name === 'resident') return Math.min(shape.ticksPerMonth, usage.monthSeconds / refreshSeconds);
  const perRun = (seconds: number) => Math.max(1, Math.ceil(seconds / refreshSeconds));
  return shape.scheduledRunsPerMonth * perRun(shape.secondsPerRun) + shape.wokenRunsPerMonth * perRun(shape.wokenRunSeconds);
}

/** Distinct (standby, owner) pairs when every group is owned by its best member, as in a steady month. */
export function standbyOwnerPairs(spec: ClusterSpec): number {
  const pairs = new Set<string>();
  for (const group of spec.groups) {
    const [owner, ...standbys] = group.nodesByPriority;
    for (const standby of standbys) pairs.add(`${standby}>${owner}`);
  }
  return pairs.size;
}

/** The steady load on the resources table (what a month of runs, ticks and beats reads and writes). */
export function resourcesUsage(spec: ClusterSpec, shape: SteadyShape, usage: UsageAssumptions): Usage[] {
  const tableKb = usage.resourcesTableBaseKb + usage.resourcesTableKbPerResource * spec.resources.length;
  const scan = readUnits(tableKb);
  const beats = usage.monthSeconds / spec.defaults.heartbeat.intervalSeconds;
  const interval = spec.defaults.checkIntervalSeconds;
  const lease = writeUnits(usage.leaseItemKb);
  const verdicts = writeUnits(usage.verdictsItemKb);
  const standby: Usage[] =
    shape.standbyRuns > 0
      ? [{ item: 'standby runs\' lease reads', kind: 'read', units: shape.standbyRuns * (usage.monthSeconds / interval), basis: `${shape.standbyRuns.toFixed(2)} runs on average, 1 RRU per ${interval} s` }]
      : [];
  return [
    { item: 'reconciler Scans', kind: 'read', units: scan * (shape.ticksPerMonth + shape.runsPerMonth), basis: `1 Scan of ~${tableKb} KB (${scan} RRU) per ${interval} s tick (state and recorded events) and 1 at each run's start (the spec)` },
    ...standby,
    { item: 'agents\' ownership reads', kind: 'read', units: spec.nodes.length * beats * scan, basis: `${spec.nodes.length} nodes × 1 Scan (${scan} RRU) per ${spec.defaults.heartbeat.intervalSeconds} s` },
    { item: 'lease renewals', kind: 'write', units: lease * shape.ticksPerMonth, basis: `${lease} WRU per tick` },
    { item: 'lease acquisitions and releases', kind: 'write', units: 2 * lease * shape.runsPerMonth, basis: `${2 * lease} WRU per run` },
    {
      item: 'verdicts',
      kind: 'write',
      units: verdicts * verdictWrites(spec, shape, usage),
      basis: `${verdicts} WRU at a run's first tick, then every ${verdictRefreshMs(spec) / 1000} s while the verdicts do not change`,
    },
  ];
}

/** The steady load on the heartbeats table. */
export function heartbeatsUsage(spec: ClusterSpec, shape: SteadyShape, usage: UsageAssumptions): Usage[] {
  const scan = readUnits(spec.nodes.length * usage.heartbeatItemKb);
  const interval = spec.defaults.heartbeat.intervalSeconds;
  const pairs = standbyOwnerPairs(spec);
  const ownerRead = eventuallyConsistentReadUnits(usage.heartbeatItemKb);
  return [
    { item: 'reconciler Scans', kind: 'read', units: scan * shape.ticksPerMonth, basis: `1 Scan (${scan} RRU) per tick` },
    {
      item: 'standby agents\' owner reads',
      kind: 'read',
      units: pairs * ownerRead * (usage.monthSeconds / (interval / LOOKS_PER_INTERVAL)),
      basis: `${pairs} standby node${pairs === 1 ? '' : 's'} × 1 eventually consistent GetItem (${ownerRead} RRU) of the owner's heartbeat per ${interval / LOOKS_PER_INTERVAL} s`,
    },
    { item: 'heartbeats', kind: 'write', units: spec.nodes.length * writeUnits(usage.heartbeatItemKb) * (usage.monthSeconds / interval), basis: `${spec.nodes.length} nodes × 1 PutItem per ${interval} s` },
  ];
}

function onDemandLines(table: string, uses: readonly Usage[], prices: PriceList): CostLine[] {
  return uses.map((use) =>
    costLine('DynamoDB', `${table}: ${use.item}`, use.units, use.kind === 'read' ? prices.prices.dynamoDbReadRequestUnits : prices.prices.dynamoDbWriteRequestUnits, use.basis),
  );
}

function provisionedLines(table: TableFacts, uses: readonly Usage[], prices: PriceList, monthSeconds: number): CostLine[] {
  const hours = monthSeconds / 3_600;
  const perSecond = (kind: Usage['kind']) => uses.filter((u) => u.kind === kind).reduce((sum, u) => sum + u.units, 0) / monthSeconds;
  const load = `the load is ~${perSecond('read').toFixed(1)} RRU/s and ~${perSecond('write').toFixed(1)} WRU/s`;
  return [
    costLine('DynamoDB', `${table.tableName}: read capacity`, (table.readCapacityUnits ?? 0) * hours, prices.prices.dynamoDbReadCapacityUnitHours, `${table.readCapacityUnits} RCU provisioned; ${load}`),
    costLine('DynamoDB', `${table.tableName}: write capacity`, (table.writeCapacityUnits ?? 0) * hours, prices.prices.dynamoDbWriteCapacityUnitHours, `${table.writeCapacityUnits} WCU provisioned`),
  ];
}

export function dynamoDbLines(facts: StackFacts, spec: ClusterSpec, shape: RunShape, usage: UsageAssumptions, prices: PriceList): CostLine[] {
  const tables: [string, Usage[]][] = [
    [resourcesTableName(spec.cluster), resourcesUsage(spec, shape, usage)],
    [heartbeatsTableName(spec.cluster), heartbeatsUsage(spec, shape, usage)],
    [historyTableName(spec.cluster), [{ item: 'history entries', kind: 'write', units: 0, basis: 'written only on transitions' }]],
  ];
  return tables.flatMap(([name, uses]) => {
    // A table the stack does not create (adopted by name) is priced on demand, as `init` creates them.
    const table = facts.tables.find((t) => t.tableName === name);
    return table?.billingMode === 'PROVISIONED' ? provisionedLines(table, uses, prices, usage.monthSeconds) : onDemandLines(name, uses, prices);
  });
}
