import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, type Attribute, type ITable, type TableProps } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyDocument } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { BILLING_MODE, clusterTables, type KeyAttribute, type TableRole, type TableSchema } from '../src/names';
import type { TableCapacity } from '../src/cost/table-capacity';
import { tableWriteStatements, type TableWriters } from './table-write-policy';

/*
 * The cluster's three DynamoDB tables, built from the one schema module the adapters use
 * (src/names.ts), so the deployed names, keys and TTL attribute are exactly theirs. Each table
 * gets a resource policy that lets only the named writers change its items (restrictWrites).
 *
 * The names are fixed by the cluster, and the tables outlive the stack, so a new stack finds them
 * taken after a stack deletion or after `ec2-failover init` created them. `adoptExisting` then uses
 * them by name (like AWS Solutions Constructs' `existingTableObj`): grants and the agent policies
 * apply as usual, but CloudFormation does not own them, so their settings (deletion protection,
 * point-in-time recovery, resource policy) stay as they are; `writePolicies` holds the resource
 * policies to attach by hand.
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
  /**
   * DynamoDB deletion protection: DeleteTable fails until it is turned off.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Use the cluster's tables that already exist, by name, instead of creating them.
   * @default false
   */
  readonly adoptExisting?: boolean;
  /**
   * Provisioned read and write capacity for the tables named; the others are billed on demand.
   * @default every table on demand
   */
  readonly provisioned?: Partial<Record<TableRole, TableCapacity>>;
}

function attribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER };
}

/** On demand as the schema module says (what `init` creates), unless provisioned capacity is given. */
function billing(schema: TableSchema, capacity: TableCapacity | undefined): Pick<TableProps, 'billingMode' | 'readCapacity' | 'writeCapacity'> {
  // The schema module is the authority; refuse a mode this construct would silently ignore.
  if (schema.billingMode !== BILLING_MODE) throw new TypeError(`table ${schema.tableName}: unsupported billing mode ${String(schema.billingMode)}`);
  if (capacity === undefined) return { billingMode: BillingMode.PAY_PER_REQUEST };
  return { billingMode: BillingMode.PROVISIONED, readCapacity: capacity.read, writeCapacity: capacity.write };
}

export class ClusterTables extends Construct {
  /** Specs, group status, the reconcile lease and recorded node events. */
  public readonly resources: ITable;
  /** One item per node, overwritten by its agent every beat. */
  public readonly heartbeats: ITable;
  /** Every transition and repair, per group, in order. */
  public readonly history: ITable;
  /** All three, in the order of the schema module. */
  public readonly all: readonly ITable[];
  /** The schema of each table, by role. */
  public readonly schemas: ReadonlyMap<TableRole, TableSchema>;
  /** True when the tables were adopted by name rather than created by this stack. */
  public readonly adopted: boolean;
  /** Each table's resource policy, once restrictWrites named its writers (attached only to tables this stack creates). */
  public readonly writePolicies = new Map<TableRole, PolicyDocument>();
  private readonly byRole = new Map<TableRole, ITable>();

  constructor(scope: Construct, id: string, props: ClusterTablesProps) {
    super(scope, id);
    const schemas = clusterTables(props.cluster);
    this.schemas = new Map(schemas.map((schema) => [schema.role, schema]));
    this.adopted = props.adoptExisting ?? false;
    for (const schema of schemas) {
      if (this.adopted) {
        this.byRole.set(schema.role, Table.fromTableAttributes(this, schema.role, { tableName: schema.tableName }));
        continue;
      }
      this.byRole.set(
        schema.role,
        new Table(this, schema.role, {
          tableName: schema.tableName,
          partitionKey: attribute(schema.partitionKey),
          ...(schema.sortKey ? { sortKey: attribute(schema.sortKey) } : {}),
          ...billing(schema, props.provisioned?.[schema.role]),
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          ...(schema.ttlAttribute ? { timeToLiveAttribute: schema.ttlAttribute } : {}),
          removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
          deletionProtection: props.deletionProtection ?? true,
        }),
      );
    }
    this.resources = this.table('resources');
    this.heartbeats = this.table('heartbeats');
    this.history = this.table('history');
    this.all = [...this.byRole.values()];
  }

  public table(role: TableRole): ITable {
    const found = this.byRole.get(role);
    if (!found) throw new TypeError(`the schema module defines no ${role} table`);
    return found;
  }

  /**
   * The table's ARN built from its name, without a reference to the table resource: for policies
   * that must not depend on it (its own resource policy) or may outlive it.
   */
  public tableArn(role: TableRole): string {
    const schema = this.schemas.get(role);
    if (!schema) throw new TypeError(`the schema module defines no ${role} table`);
    return Stack.of(this).formatArn({ service: 'dynamodb', resource: 'table', resourceName: schema.tableName });
  }

  /**
   * Denies every item write to the table except by `writers`. The ARN is built from the table's
   * name: a resource policy cannot reference the table it is created with.
   */
  public restrictWrites(role: TableRole, writers: TableWriters): PolicyDocument {
    const statements = tableWriteStatements(this.tableArn(role), writers);
    const document = new PolicyDocument({ statements });
    this.writePolicies.set(role, document);
    const table = this.table(role);
    if (table instanceof Table) for (const statement of statements) table.addToResourcePolicy(statement);
    return document;
  }
}
