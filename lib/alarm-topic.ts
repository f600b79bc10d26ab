import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { acknowledgeUnencryptedAlarmTopic } from './nag-acknowledgements';

/*
 * The topic alarms notify: TLS only, and open to CloudWatch only for alarms of this account
 * (SourceArn/SourceAccount on the topic, aws:SourceAccount on the key), so no other account's alarm
 * can use it (no confused deputy). Encrypted at rest only with a key of its own ($1 a month), an
 * option: CloudWatch publishes to an encrypted topic only when the key's policy lets
 * cloudwatch.amazonaws.com use the key, and the policy of the AWS managed key (aws/sns) cannot be
 * changed, so that key is no cheaper way. The notifications carry alarm names and states, no data.
 */

/** A topic for the alarms; `encrypted`: with a new customer managed key. */
export function alarmTopic(scope: Construct, encrypted: boolean): Topic {
  const topic = encrypted ? encryptedTopic(scope) : new Topic(scope, 'Topic', { displayName: 'ec2-failover alarms', enforceSSL: true });
  if (!encrypted) acknowledgeUnencryptedAlarmTopic(topic);
  allowCloudWatchAlarms(topic);
  return topic;
}

function encryptedTopic(scope: Construct): Topic {
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
  return new Topic(scope, 'Topic', { displayName: 'ec2-failover alarms', masterKey: key, enforceSSL: true });
}

function allowCloudWatchAlarms(topic: Topic): void {
  const stack = Stack.of(topic);
  const cloudWatch = new ServicePrincipal('cloudwatch.amazonaws.com');
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
}
