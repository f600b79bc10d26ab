import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { CLUSTER_TAG_KEY } from './cluster-tag';
import { Ec2FailoverControlPlane, type Ec2FailoverControlPlaneProps } from './control-plane';

/*
 * The stack our own app deploys: one control plane, and the outputs an operator needs next
 * (the agent policies to attach, the tag to set, where alarms go).
 */

export interface Ec2FailoverStackProps extends StackProps, Ec2FailoverControlPlaneProps {}

/** A stack name from a cluster name: CloudFormation allows letters, digits and hyphens. */
export function stackNameFor(cluster: string): string {
  return `ec2-failover-${cluster}`.replace(/[^A-Za-z0-9-]/g, '-');
}

export class Ec2FailoverStack extends Stack {
  public readonly controlPlane: Ec2FailoverControlPlane;

  constructor(scope: Construct, id: string, props: Ec2FailoverStackProps) {
    super(scope, id, { description: 'ec2-failover: serverless HA control plane for EC2 (routes and Elastic IPs)', ...props });
    this.controlPlane = new Ec2FailoverControlPlane(this, 'ControlPlane', props);
    const { controlPlane } = this;
    new CfnOutput(this, 'AgentPolicyArns', {
      description: 'Attach all of these (comma-separated) to the instance role of every node agent',
      value: Fn.join(',', controlPlane.agentPolicies.map((policy) => policy.managedPolicyArn)),
    });
    new CfnOutput(this, 'ClusterTag', {
      description: 'Tag the nodes, their ENIs and the Elastic IPs with this key and value',
      value: `${CLUSTER_TAG_KEY}=${controlPlane.spec.cluster}`,
    });
    new CfnOutput(this, 'AlarmTopicArn', { description: 'Alarm notifications', value: controlPlane.alarmTopic.topicArn });
    new CfnOutput(this, 'ResourcesTable', { value: controlPlane.resourcesTable.tableName });
    if (controlPlane.tables.adopted) {
      // The adopted tables' resource policies name these roles; they are attached by hand.
      const roles = { ReconcilerRoleArn: controlPlane.reconciler, EventsRoleArn: controlPlane.eventsFunction, SpecApplyRoleArn: controlPlane.specApplyFunction };
      for (const [outputId, fn] of Object.entries(roles)) {
        new CfnOutput(this, outputId, { description: 'Writer to name in the adopted tables\' resource policies', value: fn.role!.roleArn });
      }
    }
  }
}
