import { Duration } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/*
 * Where asynchronous invocations that failed for good end up: events a function could not handle
 * after its retries or that grew older than its maximum age, and events EventBridge could not
 * deliver at all. Encrypted (SQS-managed keys), reachable over TLS only, kept 14 days; an alarm on
 * its depth tells an operator to look.
 */

export class FailureQueue extends Construct {
  public readonly queue: Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the failure destination of the functions and the dead-letter queue of the rules; a queue behind it would only repeat it.',
    });
  }
}
