import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoDbDocumentClient, regionFromEnvironment } from '../aws/dynamodb/client';
import { DynamoHeartbeatStore } from '../aws/dynamodb/heartbeat-store';
import { DynamoHistoryStore } from '../aws/dynamodb/history-store';
import { DynamoStateStore } from '../aws/dynamodb/state-store';
import { DynamoVerdictStore } from '../aws/dynamodb/verdict-store';
import type { ClusterSpec } from '../core/model';
import { readClusterConfig } from './cluster-config';

export { readClusterConfig, readClusterConfigFile } from './cluster-config';

/** What every command that talks to a deployed cluster needs: its config, region and stores. */
export interface ClusterContext {
  readonly spec: ClusterSpec;
  readonly region: string;
  readonly documents: DynamoDBDocumentClient;
  readonly state: DynamoStateStore;
  readonly heartbeats: DynamoHeartbeatStore;
  readonly history: DynamoHistoryStore;
  readonly verdicts: DynamoVerdictStore;
}

/** The stores of the cluster `spec` names; the region follows `--region`/AWS_REGION, else the config. */
export function clusterContextFor(spec: ClusterSpec): ClusterContext {
  const region = regionFromEnvironment(spec.region);
  const documents = dynamoDbDocumentClient(region);
  return {
    spec,
    region,
    documents,
    state: new DynamoStateStore(documents, spec.cluster),
    heartbeats: new DynamoHeartbeatStore(documents, spec.cluster),
    history: new DynamoHistoryStore(documents, spec.cluster),
    verdicts: new DynamoVerdictStore(documents, spec.cluster),
  };
}

export function loadClusterContext(configPath: string | undefined, command: string): ClusterContext {
  return clusterContextFor(readClusterConfig(configPath, command));
}
