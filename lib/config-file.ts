import { loadClusterConfigFile as loadConfig, type LoadedClusterConfig } from '../src/core/config-text';
import { Ec2FailoverError } from '../src/core/errors';

/*
 * The cluster config file the CDK app deploys from (`cdk deploy -c config=FILE`), read and
 * validated with the same code as every other entry point, so a bad file stops the synth with
 * the same coded message `ec2-failover validate` prints.
 */

/** The CDK context key that names the config file. */
export const CONFIG_CONTEXT_KEY = 'config';

export class DeployInputError extends Ec2FailoverError {
  constructor(code: 'EC2F-K001' | 'EC2F-K002', message: string) {
    super(code, message);
    this.name = 'DeployInputError';
  }
}

export interface ClusterConfigFile extends LoadedClusterConfig {
  readonly path: string;
}

export function configPathFromContext(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new DeployInputError('EC2F-K001', `no cluster config given; run e.g. "npx cdk deploy -c ${CONFIG_CONTEXT_KEY}=path/to/cluster.yaml"`);
  }
  return value;
}

export function loadClusterConfigFile(path: string): ClusterConfigFile {
  const loaded = loadConfig(path, (message) => new DeployInputError('EC2F-K002', `cannot read the cluster config ${path}: ${message}`));
  return { ...loaded, path };
}
