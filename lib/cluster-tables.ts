import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, type Attribute } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { BILLING_MODE, clusterTables, type KeyAttribute, type TableRole, type TableSchema } from '../src/names';

/*
 * The cluster's three DynamoDB tables, built from the one schema module the adapters use
 * (src/names.ts), so the deployed names, keys and TTL attribute are exactly theirs.
 */

export interface ClusterTablesProps {
  /** The config's `cluster`: it names the tables (`<cluster>-resources`, …). */
  readonly cluster: string;
  /**
   * What happens to the tables when they leave the stack. They hold ownership, epochs and
   * history that a redeploy must find again, so they outlive the stack by default.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

function attribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER };
}

function billingMode(schema: TableSchema): BillingMode {
  // The schema module is the authority; refuse a mode this construct would silently ignore.
  if (schema.billingMode !== BILLING_MODE) throw new TypeError(`table ${schema.tableName}: unsupported billing mode ${String(schema.billingMode)}`);
  return BillingMode.PAY_PER_REQUEST;
}

export class ClusterTables extends Construct {
  /** Specs, group status, the reconcile lease and recorded node events. */
  public readonly resources: Table;
  /** One item per node, overwritten by its agent every beat. */
  public readonly heartbeats: Table;
  /** Every transition and repair, per group, in order. */
  public readonly history: Table;
  /** All three, in the order of the schema module. */
  public readonly all: readonly Table[];

  constructor(scope: Construct, id: string, props: ClusterTablesProps) {
    super(scope, id);
    const byRole = new Map<TableRole, Table>();
    for (const schema of clusterTables(props.cluster)) {
      byRole.set(
        schema.role,
        new Table(this, schema.role, {
          tableName: schema.tableName,
          partitionKey: attribute(schema.partitionKey),
          ...(schema.sortKey ? { sortKey: attribute(schema.sortKey) } : {}),
          billingMode: billingMode(schema),
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          ...(schema.ttlAttribute ? { timeToLiveAttribute: schema.ttlAttribute } : {}),
          removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
        }),
      );
    }
    const table = (role: TableRole): Table => {
      const found = byRole.get(role);
      if (!found) throw new TypeError(`the schema module defines no ${role} table`);
      return found;
    };
    this.resources = table('resources');
    this.heartbeats = table('heartbeats');
    this.history = table('history');
    this.all = [...byRole.values()];
  }
}
