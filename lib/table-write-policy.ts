import { Effect, PolicyStatement, StarPrincipal } from 'aws-cdk-lib/aws-iam';

/*
 * The resource policy that keeps a table's items in the control plane's hands: every item write is
 * denied unless it comes from a principal named here, so broad `dynamodb:*Item` grants elsewhere in
 * the account cannot move traffic or forge a heartbeat.
 *
 * Only data-plane writes are denied. CloudFormation (and anyone managing the table) uses the
 * control-plane API (CreateTable, UpdateTable, UpdateTimeToLive, PutResourcePolicy, DeleteTable…),
 * which these statements never name, so the stack can always update or remove the table and its
 * policy. Reads are left to IAM.
 *
 * IAM authorizes TransactWriteItems through the actions of its parts (PutItem, UpdateItem,
 * DeleteItem, ConditionCheckItem), BatchWriteItem and the PartiQL statements through actions of
 * their own; ConditionCheckItem changes nothing, so it is not listed.
 */

/** Every IAM action by which a caller can change an item. */
export const TABLE_DATA_WRITE_ACTIONS: readonly string[] = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
];

/** Who may write a table's items. */
export interface TableWriters {
  /** Roles whose sessions may write (matched against `aws:PrincipalArn`; `*` wildcards allowed). */
  readonly roleArns: readonly string[];
  /**
   * Instances whose role credentials may also write (matched against `ec2:SourceInstanceARN`,
   * which AWS sets on requests signed with credentials EC2 delivered to that instance).
   * @default none
   */
  readonly instanceArns?: readonly string[];
  /**
   * With `instanceArns`: the roles those instances must use. Requests from the instances with
   * any other role are denied too.
   * @default any role of those instances
   */
  readonly instanceRoleArns?: readonly string[];
}

function denyWrites(sid: string, tableArn: string, conditions: Record<string, Record<string, unknown>>): PolicyStatement {
  return new PolicyStatement({
    sid,
    effect: Effect.DENY,
    principals: [new StarPrincipal()],
    actions: [...TABLE_DATA_WRITE_ACTIONS],
    resources: [tableArn],
    conditions,
  });
}

/**
 * The Deny statements of a table's resource policy. Negated operators deny when the key is absent
 * (a request without instance credentials has no `ec2:SourceInstanceARN`), and with several values
 * they deny only when none matches; several keys in one statement must all hold for the Deny.
 */
export function tableWriteStatements(tableArn: string, writers: TableWriters): PolicyStatement[] {
  const roles = [...writers.roleArns];
  const instances = [...(writers.instanceArns ?? [])];
  if (instances.length === 0) {
    if (roles.length === 0) throw new TypeError(`no writer named for ${tableArn}: the table would refuse every write`);
    return [denyWrites('OnlyControlPlaneWrites', tableArn, { ArnNotLike: { 'aws:PrincipalArn': roles } })];
  }
  const statements = [
    denyWrites('OnlyClusterNodesWrite', tableArn, {
      ...(roles.length > 0 ? { ArnNotLike: { 'aws:PrincipalArn': roles } } : {}),
      ArnNotEquals: { 'ec2:SourceInstanceARN': instances },
    }),
  ];
  const instanceRoles = writers.instanceRoleArns ?? [];
  if (instanceRoles.length > 0) {
    statements.push(denyWrites('OnlyAgentRolesWrite', tableArn, { ArnNotLike: { 'aws:PrincipalArn': [...roles, ...instanceRoles] } }));
  }
  return statements;
}
