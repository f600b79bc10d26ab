import type { TableRole } from '../src/names';

/*
 * The DynamoDB actions each control-plane function makes, per table, read off the stores it uses
 * (src/aws/dynamodb/, src/apply/). Its role gets these and nothing more; a store that starts making
 * another call needs its action added here.
 */

type TableActions = Readonly<Partial<Record<TableRole, readonly string[]>>>;

/** The reconcile loop (the Lambda, and `ec2-failover controller` elsewhere). */
export const RECONCILER_TABLE_ACTIONS: TableActions = {
  // DynamoStateStore.read and SignalStore.readSignals: consistent Scans. DynamoLeaseStore: GetItem;
  // PutItem (first acquire), UpdateItem (take over, renew, release). commitStatus: a
  // TransactWriteItems of Updates and a lease ConditionCheck.
  resources: ['dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
  // DynamoHeartbeatStore.readHeartbeats: a consistent Scan.
  heartbeats: ['dynamodb:Scan'],
  // DynamoHistoryStore.append: BatchWriteItem of PutRequests. Its read of one group's recent
  // entries (a Query): the transitions another holder recorded, to announce them.
  history: ['dynamodb:BatchWriteItem', 'dynamodb:Query'],
};

/** The deploy-time spec apply (applySpec, as `init` runs it). */
export const SPEC_APPLY_TABLE_ACTIONS: TableActions = {
  // scanResourcesTable, then TransactWriteItems of Puts, Updates and Deletes.
  resources: ['dynamodb:Scan', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
};

/** ensureTables: every table must exist, with its TTL on where the schema has one. */
export const SPEC_APPLY_TABLE_CHECKS: readonly string[] = ['dynamodb:DescribeTable', 'dynamodb:DescribeTimeToLive'];
