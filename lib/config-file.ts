import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseClusterConfigText, type ClusterConfigInput } from '../src/core/config';
import { Ec2FailoverError } from '../src/core/errors';
import type { ClusterSpec } from '../src/core/model';

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

export interface ClusterConfigFile {
  readonly path: string;
  /** The document as written: the spec apply stores it the way `init` does. */
  readonly document: ClusterConfigInput;
  readonly spec: ClusterSpec;
}

export function configPathFromContext(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new DeployInputError('EC2F-K001', `no cluster config given; run e.g. "npx cdk deploy -c ${CONFIG_CONTEXT_KEY}=path/to/cluster.yaml"`);
  }
  return value;
}

export function loadClusterConfigFile(path: string): ClusterConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DeployInputError('EC2F-K002', `cannot read the cluster config ${path}: ${(error as Error).message}`);
  }
  const spec = parseClusterConfigText(text, path);
  // Valid YAML by now (the line above would have refused it).
  const document = parseYaml(text, { uniqueKeys: true }) as ClusterConfigInput;
  return { path, document, spec };
}
