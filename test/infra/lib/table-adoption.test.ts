import { Validations } from 'aws-cdk-lib';
import type { CfnElement } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildStack, cleanUpAssemblies, synthStack, testApp, type PolicyStatementJson } from '../../support/synth';
import { asList } from '../../support/synth';

/*
 * Redeploys that work: with adoptExistingTables the stack uses the cluster's tables by name instead
 * of creating them (after a stack deletion, or when `init` made them first), still grants every
 * function its per-table actions, lets the spec apply turn TTL on, and tells what it cannot apply.
 */

afterAll(() => {
  cleanUpAssemblies();
});

const roleStatements = (template: ReturnType<typeof synthStack>['template'], logicalId: string): PolicyStatementJson[] =>
  Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId }] } })).flatMap(
    (p) => p.Properties.PolicyDocument.Statement as PolicyStatementJson[],
  );

describe('adoptExistingTables', () => {
  it('creates no table and grants on the tables named after the cluster', () => {
    // Act
    const { template, stack } = synthStack(undefined, { adoptExistingTables: true });

    // Assess
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(stack.controlPlane.tables.adopted).toBe(true);
    const reconcilerRole = stack.getLogicalId(stack.controlPlane.reconciler.role!.node.defaultChild as CfnElement);
    const resources = roleStatements(template, reconcilerRole).flatMap((s) => asList(s.Resource).map((r) => JSON.stringify(r)));
    for (const table of ['prod-db-resources', 'prod-db-heartbeats', 'prod-db-history']) {
      expect(resources.some((r) => r.includes(`:table/${table}"`)), table).toBe(true);
    }
  });

  it('lets the spec apply turn TTL on for the adopted tables that have one, and only then', () => {
    // Act
    const adopted = synthStack(undefined, { adoptExistingTables: true });
    const owned = synthStack();

    // Assess
    const ttlTables = ({ template, stack }: ReturnType<typeof synthStack>) => {
      const role = stack.getLogicalId(stack.controlPlane.specApplyFunction.role!.node.defaultChild as CfnElement);
      return roleStatements(template, role)
        .filter((s) => asList(s.Action).includes('dynamodb:UpdateTimeToLive'))
        .flatMap((s) => asList(s.Resource).map((r) => /table\/([^"]+)"/.exec(JSON.stringify(r))?.[1]));
    };
    expect(ttlTables(adopted)).toEqual(['prod-db-resources', 'prod-db-heartbeats', 'prod-db-history']);
    expect(ttlTables(owned)).toEqual([]);
  });

  it('keeps the resource policies it cannot attach, and outputs the role ARNs they name', () => {
    // Act
    const { template, stack } = synthStack(undefined, { adoptExistingTables: true });

    // Assess
    expect([...stack.controlPlane.tables.writePolicies.keys()].sort()).toEqual(['heartbeats', 'history', 'resources']);
    const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [stack.getLogicalId(construct.node.defaultChild as CfnElement), 'Arn'] });
    template.hasOutput('ReconcilerRoleArn', { Value: arnOf(stack.controlPlane.reconciler.role!) });
    template.hasOutput('EventsRoleArn', { Value: arnOf(stack.controlPlane.eventsFunction.role!) });
    template.hasOutput('SpecApplyRoleArn', { Value: arnOf(stack.controlPlane.specApplyFunction.role!) });
  });

  it('passes the cdk-nag checks', () => {
    // Prepare
    const app = testApp();
    buildStack(undefined, { adoptExistingTables: true }, app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

    // Act
    const synth = () => app.synth();

    // Assess
    expect(synth).not.toThrow();
  });
});
