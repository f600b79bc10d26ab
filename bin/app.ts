import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { contextProps } from '../lib/app-context';
import { CONFIG_CONTEXT_KEY, configPathFromContext, loadClusterConfigFile } from '../lib/config-file';
import { Ec2FailoverStack, stackNameFor } from '../lib/stack';
import { Ec2FailoverError } from '../src/core/errors';

/*
 * The CDK app: `npx cdk deploy -c config=path/to/cluster.yaml` deploys the control plane of the
 * cluster that file describes, in the file's region; `-c adoptExistingTables=true`,
 * `-c operatorRoleArns=arn1,arn2` (and controllerRoleArns, agentRoleArns) set the props that depend
 * on the account. cdk-nag's AWS Solutions checks run on every synth; a finding that is not
 * acknowledged with its reason fails it.
 */
function main(): void {
  const app = new App();
  const config = loadClusterConfigFile(configPathFromContext(app.node.tryGetContext(CONFIG_CONTEXT_KEY)));
  new Ec2FailoverStack(app, stackNameFor(config.spec.cluster), {
    ...contextProps((key) => app.node.tryGetContext(key)),
    config: config.document,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: config.spec.region },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
}

try {
  main();
} catch (error) {
  // A coded message is the whole story (bad config, no config): no stack trace to wade through.
  if (!(error instanceof Ec2FailoverError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
