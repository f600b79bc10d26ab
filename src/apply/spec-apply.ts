import { randomUUID } from 'node:crypto';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { clusterConfigSchema, parseClusterConfig } from '../core/config';
import {
  cancellationCodes,
  ConcurrentApplyError,
  isResourceNotFound,
  SpecConflictError,
  StateStoreUnavailableError,
  type SpecConflict,
} from '../aws/dynamodb/errors';
import { scanResourcesTable } from '../aws/dynamodb/state-scan';
import { ensureTables, type EnsureTablesOptions } from '../aws/dynamodb/tables';
import { clusterTables, resourcesTableName } from '../names';
import { planApply, type ItemChange, type TransactAction } from './spec-plan';

export { itemLabel, type ItemChange, type SpecItemRef } from './spec-plan';

/*
 * `apply` (and `init`, `plan`, the spec-apply custom resource): make the stored spec match the
 * config file, like `kubectl apply`. What changes is decided by the pure plan in spec-plan.ts;
 * this is the executor: validate, make sure the tables exist, read, plan, refuse to overwrite
 * other writers' edits unless forced, write the planned transactions.
 */

export interface ApplyOptions {
  /** Overwrite edits other writers made since the last apply. */
  readonly force?: boolean | undefined;
  /** Delete stored resources the config no longer names. */
  readonly prune?: boolean | undefined;
  /** Who applies, stored as `lastWriter` (e.g. `init:alice@host`). */
  readonly writer: string;
  readonly clock?: (() => number) | undefined;
  readonly tables?: EnsureTablesOptions | undefined;
  /**
   * Plan only: read, compare and report what an apply would change, writing nothing and creating
   * no table (`tablesCreated` then names the tables an apply would create). Conflicts with other
   * writers' edits are reported in `conflicts` instead of refused.
   */
  readonly dryRun?: boolean | undefined;
}

export interface ApplyResult {
  readonly cluster: string;
  readonly tablesCreated: readonly string[];
  /** Cluster item first, then the resources in config order, then the ones the config dropped. */
  readonly changes: readonly ItemChange[];
  /** DynamoDB transactions written; 0 when everything already matched (and always in a dry run). */
  readonly transactions: number;
  /** Dry run: other writers' edits an apply would refuse to overwrite without `force`. */
  readonly conflicts?: readonly SpecConflict[] | undefined;
}

export async function applySpec(client: DynamoDBClient, source: unknown, options: ApplyOptions): Promise<ApplyResult> {
  // Validate before touching anything: a bad file changes nothing.
  parseClusterConfig(source);
  const config = clusterConfigSchema.parse(source);
  const cluster = config.cluster;
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const { created } = options.dryRun ? { created: await missingTables(client, cluster) } : await ensureTables(client, cluster, options.tables);
  const stored = options.dryRun && created.includes(resourcesTableName(cluster)) ? { resources: [] } : await scanResourcesTable(documents, cluster);
  const plan = planApply({ config, stored, prune: options.prune, writer: options.writer, now: (options.clock ?? Date.now)() });
  const result = { cluster, tablesCreated: created, changes: plan.changes };
  if (options.dryRun) return { ...result, transactions: 0, conflicts: plan.conflicts };
  if (plan.conflicts.length > 0 && !options.force) throw new SpecConflictError(cluster, plan.conflicts);
  return { ...result, transactions: await writeTransactions(documents, cluster, plan.transactions) };
}

/** Writes the planned transactions in order; each is conditional on what the plan read. */
async function writeTransactions(documents: DynamoDBDocumentClient, cluster: string, transactions: readonly (readonly TransactAction[])[]): Promise<number> {
  let written = 0;
  for (const transactItems of transactions) {
    try {
      await documents.send(new TransactWriteCommand({ TransactItems: [...transactItems], ClientRequestToken: randomUUID() }));
      written += 1;
    } catch (error) {
      const codes = cancellationCodes(error);
      if (codes?.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict')) {
        throw new ConcurrentApplyError(
          cluster,
          written === 0 ? 'nothing was written; run init again' : `${written} of ${transactions.length} transactions were written; run init again to apply the rest`,
          error,
        );
      }
      throw new StateStoreUnavailableError(`TransactWriteItems ${resourcesTableName(cluster)}`, error);
    }
  }
  return written;
}

/** The cluster's tables that do not exist yet (what an apply would create). */
async function missingTables(client: DynamoDBClient, cluster: string): Promise<string[]> {
  const missing: string[] = [];
  for (const table of clusterTables(cluster)) {
    try {
      await client.send(new DescribeTableCommand({ TableName: table.tableName }));
    } catch (error) {
      if (!isResourceNotFound(error)) throw new StateStoreUnavailableError(`DescribeTable ${table.tableName}`, error);
      missing.push(table.tableName);
    }
  }
  return missing;
}
