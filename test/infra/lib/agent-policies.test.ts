import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterConfigInput } from '../../../src/core/config';
import { MANAGED_POLICY_MAX_CHARS, packStatements } from '../../../lib/agent-policies';
import { iamPolicyLength, LONGEST_PSEUDO_PARAMETERS, renderIntrinsics } from '../../../lib/policy-text';
import { buildStack, cleanUpAssemblies, exampleConfig, synthStack, type PolicyStatementJson } from '../../support/synth';

/*
 * The agents' managed policies: one statement per node, bound to the node's own heartbeat key and
 * to requests from that very instance, packed into as many managed policies as IAM's size limit
 * needs (64 nodes checked), the quota of policies per role checked, and docs/agent.md showing
 * exactly the synthesized statements.
 */

afterAll(() => {
  cleanUpAssemblies();
});

const NODE1 = 'i-0123456789abcdef0';
const AWS = { ...LONGEST_PSEUDO_PARAMETERS, partition: 'aws', region: 'us-east-1', accountId: '123456789012' };

/** The example cluster grown to `count` nodes, all members of its route resource. */
function clusterOf(count: number): ClusterConfigInput {
  const config = exampleConfig() as unknown as { nodes: unknown[]; resources: { mode: string; members: unknown[] }[] };
  const ids = Array.from({ length: count }, (_, i) => i + 1);
  const instanceId = (i: number) => `i-${(0xabc000 + i).toString(16).padStart(17, '0')}`;
  return {
    ...config,
    nodes: ids.map((i) => ({ id: `node${i}`, instanceId: instanceId(i) })),
    resources: config.resources.map((resource) => ({
      ...resource,
      members: ids.slice(0, resource.mode === 'route' ? count : 2).map((i) => ({ node: `node${i}`, eni: `eni-${(0x1000 + i).toString(16).padStart(8, '0')}`, priority: i })),
    })),
  } as unknown as ClusterConfigInput;
}

function managedPolicies(template: Template): { logicalId: string; document: { Statement: PolicyStatementJson[] } }[] {
  return Object.entries(template.findResources('AWS::IAM::ManagedPolicy')).map(([logicalId, resource]) => ({
    logicalId,
    document: resource.Properties.PolicyDocument as { Statement: PolicyStatementJson[] },
  }));
}

describe('agent policies', () => {
  it("binds each node to its own heartbeat key and to requests from its own instance", () => {
    // Act
    const { template } = synthStack();

    // Assess
    const [policy, ...others] = managedPolicies(template);
    expect(others).toHaveLength(0);
    const statement = policy?.document.Statement.find((s) => s.Sid === `OwnHeartbeat${NODE1.slice(2)}`);
    expect(renderIntrinsics(statement, AWS)).toEqual({
      Sid: `OwnHeartbeat${NODE1.slice(2)}`,
      Effect: 'Allow',
      Action: ['dynamodb:PutItem', 'dynamodb:GetItem'],
      Resource: 'arn:aws:dynamodb:us-east-1:123456789012:table/prod-db-heartbeats',
      Condition: {
        'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [NODE1] },
        ArnEquals: { 'ec2:SourceInstanceARN': `arn:aws:ec2:us-east-1:123456789012:instance/${NODE1}` },
      },
    });
    expect(policy?.document.Statement.map((s) => s.Sid)).toEqual(['ReadSpecsAndStatus', 'ReadHeartbeats', 'WakeReconciler', 'OwnHeartbeat0123456789abcdef0', 'OwnHeartbeat0fedcba9876543210']);
    // An on-demand reconciler is woken by an Invoke of that one function; a standby reads its owner's heartbeat (ReadHeartbeats).
    expect(renderIntrinsics(policy?.document.Statement.find((s) => s.Sid === 'WakeReconciler'), AWS)).toEqual({
      Sid: 'WakeReconciler',
      Effect: 'Allow',
      Action: 'lambda:InvokeFunction',
      Resource: 'arn:aws:lambda:us-east-1:123456789012:function:prod-db-reconciler',
    });
    // Any heartbeat may be read (a new owner reads the old owner's release), none written but its own.
    expect(policy?.document.Statement.find((s) => s.Sid === 'ReadHeartbeats')).toMatchObject({ Effect: 'Allow', Action: 'dynamodb:GetItem' });
    expect(policy?.document.Statement.find((s) => s.Sid === 'ReadHeartbeats')).not.toHaveProperty('Condition');
  });

  it('packs 64 nodes into managed policies that each stay under 6,144 characters, every node once, deterministically', () => {
    // Act
    const first = managedPolicies(synthStack(clusterOf(64)).template);
    const second = managedPolicies(synthStack(clusterOf(64)).template);

    // Assess
    expect(first.length).toBeGreaterThan(1);
    expect(first.length).toBeLessThanOrEqual(10);
    for (const { logicalId, document } of first) {
      const size = iamPolicyLength(renderIntrinsics(document, LONGEST_PSEUDO_PARAMETERS));
      expect(size, logicalId).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
    }
    const sids = first.flatMap(({ document }) => document.Statement.map((s) => s.Sid));
    expect(sids.filter((sid) => sid?.startsWith('OwnHeartbeat'))).toHaveLength(64);
    expect(new Set(sids).size).toBe(sids.length);
    expect(second).toEqual(first);
    console.info(`64 nodes: ${first.length} managed policies, sizes ${first.map(({ document }) => iamPolicyLength(renderIntrinsics(document, LONGEST_PSEUDO_PARAMETERS))).join(', ')}`);
  });

  it('keeps the first policy where earlier versions created it and outputs every ARN', () => {
    // Act
    const { template } = synthStack(clusterOf(64));

    // Assess
    const ids = managedPolicies(template).map((p) => p.logicalId);
    expect(ids[0]).toMatch(/^ControlPlaneAgentPolicy[0-9A-F]{8}$/);
    expect(ids[1]).toMatch(/^ControlPlaneAgentPolicy2[0-9A-F]{8}$/);
    template.hasOutput('AgentPolicyArns', { Value: { 'Fn::Join': [',', ids.map((id) => ({ Ref: id }))] } });
  });

  it('refuses more policies than the role may hold, and a quota IAM cannot grant, with their code', () => {
    // Act
    const overQuota = () => synthStack(clusterOf(64), { agentPolicyQuota: 2 });
    const beyondIam = () => synthStack(undefined, { agentPolicyQuota: 21 });

    // Assess
    expect(overQuota).toThrow(/^EC2F-K006 the agent policies for 64 nodes need \d managed policies of at most 6144 characters, but the agents' role may take 2/);
    expect(beyondIam).toThrow(/^EC2F-K006 agentPolicyQuota must be a whole number from 1 to 20/);
  });

  it('refuses a statement that fits in no managed policy, with its code', () => {
    // Prepare
    const stack = buildStack();
    const statement = new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: ['*'] });

    // Act
    const pack = () => packStatements(stack, [statement], () => 'the big statement', 40);

    // Assess
    expect(pack).toThrow(/^EC2F-K005 the big statement takes \d+ characters on its own, more than the 40 IAM allows/);
  });
});

describe('docs/agent.md IAM', () => {
  it('shows exactly the statements the CDK creates for a node', () => {
    // Prepare
    const section = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'agent.md'), 'utf8').split('\n## IAM\n')[1] ?? '';
    const documented = (/```json\n([\s\S]*?)\n```/.exec(section)?.[1] ?? '{}')
      .replaceAll('<region>', 'us-east-1')
      .replaceAll('<account>', '123456789012')
      .replaceAll('<cluster>', 'prod-db')
      .replaceAll('<instance id without i->', NODE1.slice(2))
      .replaceAll('<instance id>', NODE1);

    // Act
    const { template } = synthStack();

    // Assess
    const [policy] = managedPolicies(template);
    const shared = ['ReadSpecsAndStatus', 'ReadHeartbeats', 'WakeReconciler'];
    const synthesized = policy?.document.Statement.filter((s) => shared.includes(s.Sid ?? '') || s.Sid === `OwnHeartbeat${NODE1.slice(2)}`);
    expect(JSON.parse(documented)).toEqual({ Version: '2012-10-17', Statement: renderIntrinsics(synthesized, AWS) });
  });
});
