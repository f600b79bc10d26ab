import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { dynamoDbDocumentClient, regionFromEnvironment } from '../aws/dynamodb/client';
import { ClusterNotInitializedError } from '../aws/dynamodb/errors';
import { scanResourcesTable } from '../aws/dynamodb/state-scan';
import { configDocumentFromItems } from '../aws/dynamodb/state-spec';
import { CLUSTER_NAME_PATTERN } from '../core/config';
import { UsageError } from '../core/errors';
import { resourcesTableName } from '../names';
import type { CommandIo } from './cli-io';
import { readClusterConfig } from './cluster-config';

/*
 * `ec2-failover export (--config FILE | --cluster NAME) [--output FILE] [--json]`: the live specs
 * written back as a cluster config (defaults filled in, as the apply stores them), so edits made
 * with the resource commands can go back into the file that `apply` reads.
 */

export interface ExportOptions {
  readonly config?: string | undefined;
  readonly cluster?: string | undefined;
  readonly output?: string | undefined;
  readonly json?: boolean | undefined;
}

function target(options: ExportOptions): { cluster: string; region: string } {
  if ((options.config === undefined) === (options.cluster === undefined)) {
    throw new UsageError('export needs exactly one of --config FILE (names the cluster and region) or --cluster NAME');
  }
  if (options.config !== undefined) {
    const spec = readClusterConfig(options.config, 'export');
    return { cluster: spec.cluster, region: regionFromEnvironment(spec.region) };
  }
  const cluster = options.cluster!;
  if (!CLUSTER_NAME_PATTERN.test(cluster)) throw new UsageError(`--cluster "${cluster}" is not a cluster name`);
  const region = regionFromEnvironment('');
  if (region === '') throw new UsageError('export --cluster needs a region: --region REGION or AWS_REGION');
  return { cluster, region };
}

export async function runExport(options: ExportOptions, io: CommandIo, now: () => number = Date.now): Promise<number> {
  const { cluster, region } = target(options);
  const stored = await scanResourcesTable(dynamoDbDocumentClient(region), cluster);
  if (!stored.cluster) throw new ClusterNotInitializedError(cluster, `no cluster item in ${resourcesTableName(cluster)}`);
  const document = configDocumentFromItems(stored.cluster, stored.resources);
  const text = options.json
    ? `${JSON.stringify(document, null, 2)}\n`
    : `# exported from cluster ${cluster} (${region}) at ${new Date(now()).toISOString()} by ec2-failover export\n${stringify(document)}`;
  if (options.output === undefined) io.stdout.write(text);
  else {
    writeFileSync(options.output, text, 'utf8');
    io.stdout.write(`wrote cluster ${cluster}: ${stored.resources.length} resource(s) to ${options.output}\n`);
  }
  return 0;
}
