import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { isResourceInUse, isResourceNotFound, StateStoreUnavailableError, TablesNotReadyError } from './dynamodb-errors';

/*
 * THE schema of a cluster's DynamoDB tables, as plain data so the CDK stack builds exactly
 * the tables the adapters expect. Three tables per cluster, named after it:
 *
 * - `<cluster>-resources` (pk `pk`): everything the reconciler reads in one consistent Scan.
 *     `cluster`            cluster-wide spec (region, defaults, nodes) + specHash/appliedHash/lastWriter
 *     `resource#<id>`      the resource's spec AND the status of its group (owner, epoch, phase,
 *                          version, …). Every item of a group carries the same status, written in
 *                          one transaction, so a group's resources can never disagree on the owner,
 *                          and an agent reads its resource's owner with one GetItem.
 *     `lease#reconciler`   the reconcile lease: holder, fencing token, expiry, liveness baselines.
 *   Keeping the lease beside the status lets one transaction check the fencing token and write
 *   the status atomically.
 * - `<cluster>-heartbeats` (pk `instanceId`): one item per node, overwritten every beat; TTL on
 *     `expiresAt` (epoch seconds) cleans up nodes that went away.
 * - `<cluster>-history` (pk `group`, sk `seq`): append-only; `seq` sorts by time, so a Query
 *     returns a group's history in order. Optional TTL on `expiresAt` for retention.
 *
 * On-demand billing: the load is a few writes per second at most, spiky during failovers.
 */

export const BILLING_MODE = 'PAY_PER_REQUEST' as const;

export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

export type TableRole = 'resources' | 'heartbeats' | 'history';

export interface TableSchema {
  readonly role: TableRole;
  readonly tableName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute | undefined;
  /** Attribute holding an expiry in epoch seconds, for DynamoDB's TTL. */
  readonly ttlAttribute?: string | undefined;
  readonly billingMode: typeof BILLING_MODE;
}

export const RESOURCES_PARTITION_KEY: KeyAttribute = { name: 'pk', type: 'S' };
export const HEARTBEATS_PARTITION_KEY: KeyAttribute = { name: 'instanceId', type: 'S' };
export const HISTORY_PARTITION_KEY: KeyAttribute = { name: 'group', type: 'S' };
export const HISTORY_SORT_KEY: KeyAttribute = { name: 'seq', type: 'S' };
/** Epoch seconds, as DynamoDB's TTL requires; on the heartbeats and history tables. */
export const TTL_ATTRIBUTE = 'expiresAt';

/** Partition keys of the items of the resources table. */
export const ResourceItemKey = {
  cluster: 'cluster',
  resource: (resourceId: string) => `resource#${resourceId}`,
  lease: (leaseName: string) => `lease#${leaseName}`,
} as const;

/** DynamoDB's limit of actions in one TransactWriteItems. */
export const MAX_TRANSACTION_ACTIONS = 100;

/** The lease every reconcile loop (Lambda or controller) competes for. */
export const RECONCILER_LEASE = 'reconciler';

export function resourcesTableName(cluster: string): string {
  return `${cluster}-resources`;
}

export function heartbeatsTableName(cluster: string): string {
  return `${cluster}-heartbeats`;
}

export function historyTableName(cluster: string): string {
  return `${cluster}-history`;
}

export function clusterTables(cluster: string): readonly TableSchema[] {
  return [
    { role: 'resources', tableName: resourcesTableName(cluster), partitionKey: RESOURCES_PARTITION_KEY, billingMode: BILLING_MODE },
    {
      role: 'heartbeats',
      tableName: heartbeatsTableName(cluster),
      partitionKey: HEARTBEATS_PARTITION_KEY,
      ttlAttribute: TTL_ATTRIBUTE,
      billingMode: BILLING_MODE,
    },
    {
      role: 'history',
      tableName: historyTableName(cluster),
      partitionKey: HISTORY_PARTITION_KEY,
      sortKey: HISTORY_SORT_KEY,
      ttlAttribute: TTL_ATTRIBUTE,
      billingMode: BILLING_MODE,
    },
  ];
}

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
