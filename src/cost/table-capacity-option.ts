import type { ClusterSpec } from '../core/model';
import { heartbeatsTableName, resourcesTableName } from '../names';
import type { CostOption } from './cost-line';
import { dynamoDbLines } from './dynamodb-lines';
import type { PriceList } from './prices-us-east-1';
import type { RunShape } from './run-shape';
import type { StackFacts, TableFacts } from './stack-facts';
import { provisionedCapacity } from './table-capacity';
import type { UsageAssumptions } from './usage-assumptions';

/*
 * The other way to bill the resources and heartbeats tables, priced on the same load: on demand
 * when the template provisions them, provisioned (sized as the construct sizes them) when it does
 * not. Shown beside the options so the choice of `tableCapacity` comes with both prices.
 */

const STEADY_TABLES = (spec: ClusterSpec) => [resourcesTableName(spec.cluster), heartbeatsTableName(spec.cluster)];

function withBilling(table: TableFacts, spec: ClusterSpec, capacity: ReturnType<typeof provisionedCapacity> | undefined): TableFacts {
  if (!STEADY_TABLES(spec).includes(table.tableName)) return table;
  if (capacity === undefined) return { logicalId: table.logicalId, tableName: table.tableName, billingMode: 'PAY_PER_REQUEST' };
  const units = table.tableName === resourcesTableName(spec.cluster) ? capacity.resources : capacity.heartbeats;
  return { ...table, billingMode: 'PROVISIONED', readCapacityUnits: units.read, writeCapacityUnits: units.write };
}

export function tableCapacityOption(facts: StackFacts, spec: ClusterSpec, shape: RunShape, usage: UsageAssumptions, prices: PriceList): CostOption {
  const provisioned = facts.tables.some((t) => STEADY_TABLES(spec).includes(t.tableName) && t.billingMode === 'PROVISIONED');
  const capacity = provisioned ? undefined : provisionedCapacity(spec, shape, usage);
  const other = { ...facts, tables: facts.tables.map((table) => withBilling(table, spec, capacity)) };
  const monthlyUsdWhenOn = dynamoDbLines(other, spec, shape, usage, prices).reduce((sum, line) => sum + line.monthlyUsd, 0);
  return { name: provisioned ? 'tableCapacity on-demand (DynamoDB in all)' : 'tableCapacity provisioned (DynamoDB in all)', on: false, monthlyUsdWhenOn };
}
