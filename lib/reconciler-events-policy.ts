import { Stack } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { TRANSITION_EVENT_SOURCE } from '../src/core/transition-events';

/**
 * The reconciler announces every ownership change on the account's default event bus, and may put
 * nothing else: `events:PutEvents` on that one bus, for events whose `source` is ours
 * (`events:source`, EventBridge's condition key for PutEvents).
 */
export function reconcilerEventsStatement(scope: Construct): PolicyStatement {
  return new PolicyStatement({
    sid: 'AnnounceOwnershipChanges',
    actions: ['events:PutEvents'],
    resources: [Stack.of(scope).formatArn({ service: 'events', resource: 'event-bus', resourceName: 'default' })],
    conditions: { StringEquals: { 'events:source': TRANSITION_EVENT_SOURCE } },
  });
}
