import { Stack } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { ClusterSpec, NodeSpec } from '../src/core/model';
import { ConstructPropsError } from './deploy-errors';
import { iamPolicyLength, LONGEST_PSEUDO_PARAMETERS, renderIntrinsics } from './policy-text';

/*
 * The managed policies for the node agents' instance role: each agent may write only the heartbeat
 * item keyed by its own instance id, read (never write) specs and status, read (never write) the
 * other nodes' heartbeats (a new owner waits for the old owner's release reported there; a standby
 * watches its owner's) and, when the reconciler runs on demand, invoke that one function to wake it.
 *
 * Heartbeat items are keyed by the bare instance id (`i-…`), and no policy variable holds that in a
 * DynamoDB request (`ec2:SourceInstanceARN` is the full ARN; IAM cannot cut a prefix off it). So
 * each node gets a statement of its own: `dynamodb:LeadingKeys` = its instance id, allowed only for
 * a request signed with credentials EC2 delivered to that very instance (`ec2:SourceInstanceARN`, an
 * AWS global condition key, equals its instance ARN). Node A's credentials can never write node B's
 * item. The node list comes from the config, so adding a node is a deploy anyway.
 *
 * One statement per node outgrows IAM's 6,144-character limit of a managed policy at about 15
 * nodes, so the statements are packed, in instance-id order, into as many managed policies as they
 * need, each measured at synth time as IAM counts it (white space not counted, pseudo parameters at
 * their longest). A role holds at most 10 managed policies by default (a quota that can be raised
 * to 20), so the count is checked too.
 */

/** IAM's limit of a managed policy document, in characters without white space. */
export const MANAGED_POLICY_MAX_CHARS = 6_144;
/** Managed policies an IAM role may hold: the default quota, and the highest it can be raised to. */
export const DEFAULT_ROLE_POLICY_QUOTA = 10;
export const MAX_ROLE_POLICY_QUOTA = 20;

/** The statement that lets one node write its own heartbeat item and read it back. */
export function ownHeartbeatStatement(node: NodeSpec, heartbeatsTableArn: string, instanceArn: string): PolicyStatement {
  return new PolicyStatement({
    // Instance ids are unique and, without the prefix, alphanumeric as a Sid must be.
    sid: `OwnHeartbeat${node.instanceId.replace(/^i-/, '')}`,
    // PutItem writes a beat; GetItem reads the stored sequence at start (DynamoHeartbeatStore).
    actions: ['dynamodb:PutItem', 'dynamodb:GetItem'],
    resources: [heartbeatsTableArn],
    conditions: {
      'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [node.instanceId] },
      ArnEquals: { 'ec2:SourceInstanceARN': instanceArn },
    },
  });
}

/** The agent reads specs and status as the reconciler does: consistent Scans; GetItem and Query for single items. */
export function readSpecsStatement(resourcesTableArn: string): PolicyStatement {
  return new PolicyStatement({
    sid: 'ReadSpecsAndStatus',
    actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'],
    resources: [resourcesTableArn],
  });
}

/** A new owner reads the other members' heartbeats (GetItem only) for their release; a standby reads its owner's to wake the reconciler when it goes silent. */
export function readHeartbeatsStatement(heartbeatsTableArn: string): PolicyStatement {
  return new PolicyStatement({
    sid: 'ReadHeartbeats',
    actions: ['dynamodb:GetItem'],
    resources: [heartbeatsTableArn],
  });
}

/** An on-demand reconciler is woken by the agents: an asynchronous Invoke of that one function. */
export function wakeReconcilerStatement(reconcilerFunctionArn: string): PolicyStatement {
  return new PolicyStatement({
    sid: 'WakeReconciler',
    actions: ['lambda:InvokeFunction'],
    resources: [reconcilerFunctionArn],
  });
}

/** A policy document's size as IAM will count it once deployed. */
export function deployedPolicyLength(scope: Construct, statements: readonly PolicyStatement[]): number {
  const document = Stack.of(scope).resolve(new PolicyDocument({ statements: [...statements] }).toJSON());
  return iamPolicyLength(renderIntrinsics(document, LONGEST_PSEUDO_PARAMETERS));
}

/** Fills policies in order, each up to the limit; a statement that fits in no policy is an error. */
export function packStatements(
  scope: Construct,
  statements: readonly PolicyStatement[],
  describe: (statement: PolicyStatement) => string,
  limit = MANAGED_POLICY_MAX_CHARS,
): PolicyStatement[][] {
  const packs: PolicyStatement[][] = [];
  let current: PolicyStatement[] = [];
  for (const statement of statements) {
    if (deployedPolicyLength(scope, [...current, statement]) <= limit) {
      current.push(statement);
      continue;
    }
    const alone = deployedPolicyLength(scope, [statement]);
    if (alone > limit) {
      throw new ConstructPropsError(
        'EC2F-K005',
        `${describe(statement)} takes ${alone} characters on its own, more than the ${limit} IAM allows in a managed policy; shorten the cluster name`,
      );
    }
    packs.push(current);
    current = [statement];
  }
  if (current.length > 0) packs.push(current);
  return packs;
}

export interface AgentPoliciesProps {
  readonly spec: ClusterSpec;
  readonly heartbeatsTableArn: string;
  readonly resourcesTableArn: string;
  /**
   * The reconciler the agents wake (on-demand runs).
   * @default none: no wake statement (resident runs need no wake)
   */
  readonly reconcilerFunctionArn?: string | undefined;
  /**
   * Managed policies the agents' instance role can take for this cluster.
   * @default 10, IAM's default quota of managed policies per role
   */
  readonly maxPolicies?: number;
}

/**
 * The agents' managed policies: `<id>` holds the read statement and the first nodes' statements,
 * `<id>2`, `<id>3`… the rest (the first keeps the id earlier versions created, so it is not replaced).
 */
export function createAgentPolicies(scope: Construct, id: string, props: AgentPoliciesProps): ManagedPolicy[] {
  const stack = Stack.of(scope);
  const quota = props.maxPolicies ?? DEFAULT_ROLE_POLICY_QUOTA;
  if (!Number.isInteger(quota) || quota < 1 || quota > MAX_ROLE_POLICY_QUOTA) {
    throw new ConstructPropsError('EC2F-K006', `agentPolicyQuota must be a whole number from 1 to ${MAX_ROLE_POLICY_QUOTA} (IAM's highest quota of managed policies per role); got ${quota}`);
  }
  const nodes = [...props.spec.nodes].sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
  const nodeOf = new Map<PolicyStatement, NodeSpec>();
  const statements = [readSpecsStatement(props.resourcesTableArn), readHeartbeatsStatement(props.heartbeatsTableArn)];
  if (props.reconcilerFunctionArn !== undefined) statements.push(wakeReconcilerStatement(props.reconcilerFunctionArn));
  for (const node of nodes) {
    const instanceArn = stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: node.instanceId });
    const statement = ownHeartbeatStatement(node, props.heartbeatsTableArn, instanceArn);
    nodeOf.set(statement, node);
    statements.push(statement);
  }
  const packs = packStatements(scope, statements, (statement) => {
    const node = nodeOf.get(statement);
    return node ? `the heartbeat statement of node ${node.id} (${node.instanceId})` : 'a statement every node shares (reads, the reconciler wake)';
  });
  if (packs.length > quota) {
    throw new ConstructPropsError(
      'EC2F-K006',
      `the agent policies for ${nodes.length} nodes need ${packs.length} managed policies of at most ${MANAGED_POLICY_MAX_CHARS} characters, but the agents' role may take ${quota} (agentPolicyQuota); IAM allows 10 managed policies per role by default and up to ${MAX_ROLE_POLICY_QUOTA} on request: raise the quota and agentPolicyQuota, or split the cluster`,
    );
  }
  return packs.map(
    (pack, index) =>
      new ManagedPolicy(scope, index === 0 ? id : `${id}${index + 1}`, {
        description: `ec2-failover node agent of cluster ${props.spec.cluster}, part ${index + 1} of ${packs.length}: its own heartbeat, read-only specs and status`,
        statements: pack,
      }),
  );
}
