import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

/*
 * The topic alarms notify: encrypted with its own KMS key, TLS only, and open to CloudWatch only for
 * alarms of this account (aws:SourceAccount on the key, and SourceArn/SourceAccount on the topic),
 * so no other account's alarm can use them (no confused deputy).
 */

export function encryptedAlarmTopic(scope: Construct): Topic {
  const stack = Stack.of(scope);
  const key = new Key(scope, 'TopicKey', {
    description: 'ec2-failover alarm notifications',
    enableKeyRotation: true,
    // The topic goes with the stack; a retained key would cost $1 a month for nothing.
    removalPolicy: RemovalPolicy.DESTROY,
    pendingWindow: Duration.days(7),
  });
  // CloudWatch publishes alarm notifications itself: it needs the key and the topic's consent.
  const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: 'CloudWatchAlarmsOfThisAccount',
      principals: [cloudWatch],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }),
  );
  const topic = new Topic(scope, 'Topic', { displayName: 'ec2-failover alarms', masterKey: key, enforceSSL: true });
  topic.addToResourcePolicy(
    new PolicyStatement({
      sid: 'CloudWatchAlarmsOfThisAccount',
      principals: [cloudWatch],
      actions: ['sns:Publish'],
      resources: [topic.topicArn],
      conditions: {
        ArnLike: { 'aws:SourceArn': stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }) },
        StringEquals: { 'aws:SourceAccount': stack.account },
      },
    }),
  );
  return topic;
}
