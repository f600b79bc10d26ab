import { afterAll, describe, expect, it } from 'vitest';
import { allPolicyStatements, cleanUpAssemblies, synthStack, TEST_ENV } from '../../support/synth';

/* What the reconciler may put on EventBridge: its own events, on the default bus, nothing else. */

afterAll(() => {
  cleanUpAssemblies();
});

describe('reconcilerEventsStatement', () => {
  it('grants events:PutEvents on the default bus of the stack account and region only, for source ec2-failover', () => {
    // Act
    const { template } = synthStack();

    // Assess
    const statements = allPolicyStatements(template);
    const putEvents = statements.filter(({ statement }) => [statement.Action].flat().some((a) => a.startsWith('events:')));
    expect(putEvents).toHaveLength(1);
    expect(putEvents[0]!.owner).toMatch(/^ControlPlaneReconciler/);
    expect(putEvents[0]!.statement).toEqual({
      Sid: 'AnnounceOwnershipChanges',
      Effect: 'Allow',
      Action: 'events:PutEvents',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:events:${TEST_ENV.region}:${TEST_ENV.account}:event-bus/default`]] },
      Condition: { StringEquals: { 'events:source': 'ec2-failover' } },
    });
  });
});
