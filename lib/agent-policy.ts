import { ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { ClusterSpec } from '../src/core/model';

/*
 * The managed policy for the node agents' instance role: each agent may write only the heartbeat
 * item keyed by its own instance id, and read (never write) specs and status.
 *
 * Why one statement per node rather than one with a policy variable: heartbeat items are keyed by
 * the bare instance id (`i-…`), and no policy variable holds that in a DynamoDB request.
 * `${aws:userid}` of an instance-profile session is `<role id>:<instance id>`, `ec2:SourceInstanceARN`
 * is the instance ARN, and `${ec2:InstanceID}` names the EC2 resource a request acts on, which a
 * DynamoDB call has none of. IAM can neither cut a prefix off a variable nor compare a request key
 * against a suffix of another, so `dynamodb:LeadingKeys` cannot equal "my instance id" generically.
 * Instead each node gets its own statement: its key alone, and only for a session whose
 * `aws:userid` ends in `:<that instance id>` — the session name EC2 gives instance-profile
 * credentials. The node list comes from the config, so adding a node is a deploy anyway.
 */

export interface AgentPolicyProps {
  readonly spec: ClusterSpec;
  readonly heartbeats: ITable;
  readonly resources: ITable;
}

export function createAgentPolicy(scope: Construct, id: string, props: AgentPolicyProps): ManagedPolicy {
  const statements = props.spec.nodes.map(
    (node) =>
      new PolicyStatement({
        // Instance ids are unique and, without the prefix, alphanumeric as a Sid must be.
        sid: `OwnHeartbeat${node.instanceId.replace(/^i-/, '')}`,
        actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:GetItem'],
        resources: [props.heartbeats.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [node.instanceId] },
          StringLike: { 'aws:userid': `*:${node.instanceId}` },
        },
      }),
  );
  statements.push(
    // The agent reads specs and status as the reconciler does (DynamoStateStore.read): one
    // consistent Scan of this small table per interval; GetItem and Query for single items.
    new PolicyStatement({
      sid: 'ReadSpecsAndStatus',
      actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'],
      resources: [props.resources.tableArn],
    }),
  );
  return new ManagedPolicy(scope, id, {
    description: `ec2-failover node agent of cluster ${props.spec.cluster}: its own heartbeat, read-only specs and status`,
    statements,
  });
}
