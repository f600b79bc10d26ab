import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { clusterTables, type TableSchema } from '../../names';
import { isResourceInUse, isResourceNotFound, StateStoreUnavailableError, TablesNotReadyError } from './errors';

// ---- Creating the tables outside CDK (init, local runs, tests) ------------------------------

export interface EnsureTablesOptions {
  readonly timeoutMs?: number;
  readonly pollMs?: number;
}

export interface EnsureTablesResult {
  /** Tables this call created; empty when all existed. */
  readonly created: readonly string[];
}

async function tableStatus(client: DynamoDBClient, tableName: string): Promise<string | undefined> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return Table?.TableStatus;
  } catch (error) {
    if (isResourceNotFound(error)) return undefined;
    throw new StateStoreUnavailableError(`DescribeTable ${tableName}`, error);
  }
}

async function createTable(client: DynamoDBClient, schema: TableSchema): Promise<boolean> {
  const keys = [schema.partitionKey, ...(schema.sortKey ? [schema.sortKey] : [])];
  try {
    await client.send(
      new CreateTableCommand({
        TableName: schema.tableName,
        BillingMode: schema.billingMode,
        AttributeDefinitions: keys.map((k) => ({ AttributeName: k.name, AttributeType: k.type })),
        KeySchema: [
          { AttributeName: schema.partitionKey.name, KeyType: 'HASH' },
          ...(schema.sortKey ? [{ AttributeName: schema.sortKey.name, KeyType: 'RANGE' as const }] : []),
        ],
      }),
    );
    return true;
  } catch (error) {
    // Another init created it between our DescribeTable and CreateTable: that is fine.
    if (isResourceInUse(error)) return false;
    throw new StateStoreUnavailableError(`CreateTable ${schema.tableName}`, error);
  }
}

async function enableTtl(client: DynamoDBClient, tableName: string, attribute: string): Promise<void> {
  try {
    const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const status = TimeToLiveDescription?.TimeToLiveStatus;
    if (status === 'ENABLED' || status === 'ENABLING') return;
    await client.send(
      new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { Enabled: true, AttributeName: attribute } }),
    );
  } catch (error) {
    throw new StateStoreUnavailableError(`UpdateTimeToLive ${tableName}`, error);
  }
}


/** Creates the cluster's tables that are absent, waits until all are ACTIVE, and turns their TTL on. */
export async function ensureTables(client: DynamoDBClient, cluster: string, options: EnsureTablesOptions = {}): Promise<EnsureTablesResult> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const pollMs = options.pollMs ?? 1_000;
  const schemas = clusterTables(cluster);
  const created: string[] = [];
  for (const schema of schemas) {
    if ((await tableStatus(client, schema.tableName)) === undefined && (await createTable(client, schema))) {
      created.push(schema.tableName);
    }
  }

  const started = Date.now();
  let pending = schemas.map((s) => s.tableName);
  for (;;) {
    const statuses = await Promise.all(pending.map((name) => tableStatus(client, name)));
    pending = pending.filter((_, i) => statuses[i] !== 'ACTIVE');
    if (pending.length === 0) break;
    if (Date.now() - started >= timeoutMs) throw new TablesNotReadyError(pending, Date.now() - started);
    await sleep(pollMs);
  }

  for (const schema of schemas) {
    if (schema.ttlAttribute) await enableTtl(client, schema.tableName, schema.ttlAttribute);
  }
  return { created };
}
