import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { ClusterConfigInput } from '../../src/core/config';
import { loadClusterConfigFile } from '../../lib/config-file';
import { Ec2FailoverStack, type Ec2FailoverStackProps } from '../../lib/stack';

/*
 * Synthesizes the stack for the infra tests: a cloud assembly in a temporary folder (removed by
 * `cleanUpAssemblies`), bundling skipped unless a test asks for it.
 */

const outdirs: string[] = [];

export const TEST_ENV = { account: '123456789012', region: 'us-east-1' } as const;

export function exampleConfig(): ClusterConfigInput {
  return loadClusterConfigFile(join(__dirname, '..', '..', 'examples', 'cluster.yaml')).document;
}

export function testApp(options: { bundle?: boolean } = {}): App {
  const outdir = mkdtempSync(join(tmpdir(), 'ec2f-cdk-test-'));
  outdirs.push(outdir);
  return new App({ outdir, context: options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] } });
}

/** The stack, not synthesized yet: validation plugins must be added before the first synth, which is cached. */
export function buildStack(config: ClusterConfigInput = exampleConfig(), props: Partial<Ec2FailoverStackProps> = {}, app: App = testApp()): Ec2FailoverStack {
  return new Ec2FailoverStack(app, 'Test', { env: TEST_ENV, ...props, config });
}

export function synthStack(config: ClusterConfigInput = exampleConfig(), props: Partial<Ec2FailoverStackProps> = {}, app: App = testApp()) {
  const stack = buildStack(config, props, app);
  return { app, stack, template: Template.fromStack(stack) };
}

export function cleanUpAssemblies(): void {
  for (const outdir of outdirs.splice(0)) rmSync(outdir, { recursive: true, force: true });
}

export interface PolicyStatementJson {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Every statement of every IAM policy in the template (inline, default and managed policies). */
export function allPolicyStatements(template: Template): { readonly owner: string; readonly statement: PolicyStatementJson }[] {
  const found: { owner: string; statement: PolicyStatementJson }[] = [];
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  for (const [logicalId, resource] of Object.entries(resources)) {
    const documents: unknown[] = [];
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') documents.push(resource.Properties?.PolicyDocument);
    if (resource.Type === 'AWS::IAM::Role') {
      for (const inline of (resource.Properties?.Policies as { PolicyDocument: unknown }[] | undefined) ?? []) documents.push(inline.PolicyDocument);
    }
    for (const document of documents) {
      for (const statement of (document as { Statement: PolicyStatementJson[] }).Statement) found.push({ owner: logicalId, statement });
    }
  }
  return found;
}

export const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
