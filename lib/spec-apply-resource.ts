import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { SpecApplyProperty } from '../lambdas/spec-apply/custom-resource';
import type { ClusterConfigInput } from '../src/core/config';
import { FailoverFunction } from './failover-function';
import type { ClusterTables } from './cluster-tables';
import { acknowledgeWildcards } from './nag-acknowledgements';
import { SPEC_APPLY_TABLE_ACTIONS, SPEC_APPLY_TABLE_CHECKS } from './table-access';
import type { TableRole } from '../src/names';

/*
 * Applies the config's specs to the resources table at every deploy that changes the config, with
 * the rule `ec2-failover init` follows: a stored spec someone edited since the last apply is not
 * overwritten unless forced, and the deployment fails with EC2F-A001 naming the edits.
 */

export interface SpecApplyResourceProps {
  /** The config document as the operator wrote it (defaults are filled in by the apply). */
  readonly config: ClusterConfigInput;
  readonly tables: ClusterTables;
  /** Overwrite edits made since the last apply (`init --force`). @default false */
  readonly force?: boolean;
  /** Delete stored resources the config no longer lists (`init --prune`). @default false */
  readonly prune?: boolean;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

export class SpecApplyResource extends Construct {
  public readonly function: FailoverFunction;
  public readonly provider: Provider;
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: SpecApplyResourceProps) {
    super(scope, id);
    this.function = new FailoverFunction(this, 'Apply', {
      handlerFolder: 'spec-apply',
      description: 'ec2-failover: applies the cluster config to the resources table at deploy',
      timeout: Duration.minutes(2),
      logRetention: props.logRetention,
      // Invoked synchronously by the custom-resource framework, which reports a failure to
      // CloudFormation itself: no asynchronous retries or event age to set.
    });
    const fn = this.function.function;
    for (const [role, actions] of Object.entries(SPEC_APPLY_TABLE_ACTIONS)) props.tables.table(role as TableRole).grant(fn, ...actions);
    // The apply first checks that every table exists and has its TTL on (it would create them outside CDK).
    for (const table of props.tables.all) table.grant(fn, ...SPEC_APPLY_TABLE_CHECKS);
    // On adopted tables CloudFormation sets no TTL: the apply turns it on where it is off, as `init` does.
    if (props.tables.adopted) {
      for (const [role, schema] of props.tables.schemas) if (schema.ttlAttribute) props.tables.table(role).grant(fn, 'dynamodb:UpdateTimeToLive');
    }

    // The framework's own functions get a role and log group like ours, instead of a managed policy.
    const frameworkLogs = new LogGroup(this, 'ProviderLogs', { retention: props.logRetention ?? RetentionDays.ONE_MONTH });
    const frameworkRole = new Role(this, 'ProviderRole', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    frameworkLogs.grantWrite(frameworkRole);
    this.provider = new Provider(this, 'Provider', { onEventHandler: fn, logGroup: frameworkLogs, frameworkOnEventRole: frameworkRole });
    acknowledgeWildcards(
      frameworkRole,
      new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [`${fn.functionArn}:*`] }),
      'The CDK Provider framework invokes the apply function by any version or alias; that one function is all it may invoke.',
    );

    this.resource = new CustomResource(this, 'Spec', {
      serviceToken: this.provider.serviceToken,
      resourceType: 'Custom::Ec2FailoverSpec',
      properties: {
        [SpecApplyProperty.config]: JSON.stringify(props.config),
        [SpecApplyProperty.writer]: `cdk:${Stack.of(this).stackName}`,
        [SpecApplyProperty.force]: String(props.force ?? false),
        [SpecApplyProperty.prune]: String(props.prune ?? false),
      },
    });
    // Tables, and the permissions to reach them, before the first apply.
    this.resource.node.addDependency(props.tables, this.function.role);

  }
}
