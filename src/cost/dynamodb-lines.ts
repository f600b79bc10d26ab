import { verdictRefreshMs } from '../core/verdict-age';
import type { ClusterSpec } from '../core/model';
import { heartbeatsTableName, historyTableName, resourcesTableName } from '../names';
import { costLine, type CostLine } from './cost-line';
import type { PriceList } from './prices-us-east-1';
import type { RunShape } from './run-shape';
import type { StackFacts, TableFacts } from './stack-facts';
import type { UsageAssumptions } from './usage-assumptions';

/*
 * DynamoDB: the request units each table takes a month. Every read is strongly consistent (one
 * read unit per 4 KB scanned), every write one unit per KB of the item:
 *   resources:  the lease holder's Scan per tick (state and recorded events together), the standby runs'
 *               lease reads, each agent's Scan per heartbeat (it follows ownership); a lease
 *               renewal per tick; the verdicts item on every change of a verdict and every
 *               verdictRefreshMs (5 s at the defaults) in a steady month;
 *   heartbeats: the holder's Scan per tick; one PutItem per node and heartbeat;
 *   history:    written only on transitions (none in a steady month).
 * A table the template bills by provisioned capacity is priced by its capacity-hours instead.
 */

export interface Usage {
  readonly item: string;
  readonly units: number;
  readonly kind: 'read' | 'write';
  readonly basis: string;
}

/** What the steady load depends on besides the config: the lease holder's ticks and the runs standing by. */
export type SteadyShape = Pick<RunShape, 'ticksPerMonth' | 'standbyRuns'>;

const readUnits = (kb: number) => Math.max(1, Math.ceil(kb / 4));
const writeUnits = (kb: number) => Math.max(1, Math.ceil(kb));

/** The steady load on the resources table (what a month of ticks and beats reads and writes). */
export function resourcesUsage(spec: ClusterSpec, shape: SteadyShape, usage: UsageAssumptions): Usage[] {
  const tableKb = usage.resourcesTableBaseKb + usage.resourcesTableKbPerResource * spec.resources.length;
  const scan = readUnits(tableKb);
  const beats = usage.monthSeconds / spec.defaults.heartbeat.intervalSeconds;
  const interval = spec.defaults.checkIntervalSeconds;
  return [
    { item: 'reconciler Scans', kind: 'read', units: scan * shape.ticksPerMonth, basis: `1 Scan of ~${tableKb} KB (${scan} RRU) per ${interval} s tick: state and recorded events` },
    { item: 'standby runs\' lease reads', kind: 'read', units: shape.standbyRuns * (usage.monthSeconds / interval), basis: `${shape.standbyRuns.toFixed(2)} runs on average, 1 RRU per ${interval} s` },
    { item: 'agents\' ownership reads', kind: 'read', units: spec.nodes.length * beats * scan, basis: `${spec.nodes.length} nodes × 1 Scan (${scan} RRU) per ${spec.defaults.heartbeat.intervalSeconds} s` },
    { item: 'lease renewals', kind: 'write', units: writeUnits(usage.leaseItemKb) * shape.ticksPerMonth, basis: `${writeUnits(usage.leaseItemKb)} WRU per tick` },
    {
      item: 'verdicts',
      kind: 'write',
      units: writeUnits(usage.verdictsItemKb) * Math.min(shape.ticksPerMonth, usage.monthSeconds / (verdictRefreshMs(spec) / 1000)),
      basis: `${writeUnits(usage.verdictsItemKb)} WRU every ${verdictRefreshMs(spec) / 1000} s while the verdicts do not change`,
    },
  ];
}

/** The steady load on the heartbeats table. */
export function heartbeatsUsage(spec: ClusterSpec, shape: SteadyShape, usage: UsageAssumptions): Usage[] {
  const scan = readUnits(spec.nodes.length * usage.heartbeatItemKb);
  const interval = spec.defaults.heartbeat.intervalSeconds;
  return [
    { item: 'reconciler Scans', kind: 'read', units: scan * shape.ticksPerMonth, basis: `1 Scan (${scan} RRU) per tick` },
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
