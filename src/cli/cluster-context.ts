import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoDbDocumentClient, regionFromEnvironment } from '../aws/dynamodb/client';
import { DynamoHeartbeatStore } from '../aws/dynamodb/heartbeat-store';
import { DynamoStateStore } from '../aws/dynamodb/state-store';
import { loadClusterConfigFile, type LoadedClusterConfig } from '../core/config';
import { UsageError } from '../core/errors';
import type { ClusterSpec } from '../core/model';

/** What every command that talks to a deployed cluster needs: its config, region and stores. */
export interface ClusterContext {
  readonly spec: ClusterSpec;
  readonly region: string;
  readonly documents: DynamoDBDocumentClient;
  readonly state: DynamoStateStore;
  readonly heartbeats: DynamoHeartbeatStore;
}

/** Reads and validates a cluster config named by `--config`; bad input is a coded error. */
export function readClusterConfigFile(configPath: string | undefined, command: string): LoadedClusterConfig {
  if (!configPath) throw new UsageError(`${command} needs --config FILE (it names the cluster and region)`);
  return loadClusterConfigFile(configPath, (message) => new UsageError(`cannot read ${configPath}: ${message}`));
}

export function readClusterConfig(configPath: string | undefined, command: string): ClusterSpec {
  return readClusterConfigFile(configPath, command).spec;
}

export function loadClusterContext(configPath: string | undefined, command: string): ClusterContext {
  const spec = readClusterConfig(configPath, command);
  const region = regionFromEnvironment(spec.region);
  const documents = dynamoDbDocumentClient(region);
  return {
    spec,
    region,
    documents,
    state: new DynamoStateStore(documents, spec.cluster),
    heartbeats: new DynamoHeartbeatStore(documents, spec.cluster),
  };
}
