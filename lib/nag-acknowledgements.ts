import { Stack, Validations } from 'aws-cdk-lib';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';

/*
 * cdk-nag reports each wildcard of a policy as its own finding, named after the resource as the
 * template renders it (`Resource::arn:<AWS::Partition>:ec2:…`). These helpers name the findings the
 * same way from the statements themselves, so an acknowledgement follows the region and account a
 * stack is synthesized for, and never covers a wildcard nobody reasoned about.
 */

/** A CloudFormation value flattened as cdk-nag names it in a finding. */
function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof node === 'object' && node !== null) {
    const value = node as Record<string, unknown>;
    if (Array.isArray(value['Fn::Join'])) {
      const [delimiter, items] = value['Fn::Join'] as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    if (value['Fn::Sub'] !== undefined) return flatten(value['Fn::Sub']);
    if (Array.isArray(value['Fn::GetAtt'])) {
      const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
      return `<${flatten(resource)}.${flatten(attribute)}>`;
    }
    if (value.Ref !== undefined) return `<${flatten(value.Ref)}>`;
  }
  return JSON.stringify(node);
}

/** Acknowledges, on `scope`, the IAM5 finding of every wildcard resource or action of `statement`. */
export function acknowledgeWildcards(scope: IConstruct, statement: PolicyStatement, reason: string): void {
  const stack = Stack.of(scope);
  const json = stack.resolve(statement.toStatementJson()) as { Action?: unknown; Resource?: unknown };
  const list = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
  const findings = [
    ...list(json.Action).map((action) => `Action::${flatten(action)}`),
    ...list(json.Resource).map((resource) => `Resource::${flatten(resource)}`),
  ].filter((finding) => finding.includes('*'));
  for (const finding of findings) Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
}

/** Functions stay on the runtime the bundles are built for until both move together. */
export function acknowledgeRuntime(scope: IConstruct): void {
  Validations.of(scope).acknowledge({
    id: 'AwsSolutions-L1',
    reason: 'Pinned to Node.js 22 (an LTS line with years of support left) so the esbuild target and the tests match the runtime; moving to 24 is one change in lib/failover-function.ts.',
  });
}

/** The alarm topic without a key of its own: what it carries, and how to encrypt it. */
export function acknowledgeUnencryptedAlarmTopic(scope: IConstruct): void {
  Validations.of(scope).acknowledge({
    id: 'AwsSolutions-SNS2',
    reason:
      'Alarm notifications carry alarm names, states and descriptions, no cluster data. CloudWatch can publish to an encrypted topic only with a customer managed key whose policy admits it ($1 a month); the AWS managed key for SNS cannot admit it. Set alarmTopicKey: true (or -c alarmTopicKey=true) for a topic encrypted with its own key.',
  });
}
