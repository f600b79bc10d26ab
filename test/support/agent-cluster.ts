import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoLeaseStore } from '../../src/aws/dynamodb/lease-store';
import { applySpec } from '../../src/apply/spec-apply';
import { DynamoStateStore } from '../../src/aws/dynamodb/state-store';
import type { ClusterConfigInput } from '../../src/core/config';
import { initialStatus, type GroupSpec, type GroupStatus, type NodeId } from '../../src/core/model';
import type { FencingToken } from '../../src/core/ports';
import { testDynamoDbClient, uniqueTableName } from './local-dynamodb';

/*
 * A two-node cluster in DynamoDB Local whose ownership the test moves by hand, as the reconciler
 * would (lease, then a conditional status write): for agent tests that need no EC2 and no
 * controller. The ids are well-formed but exist nowhere.
 */

export const AGENT_TEST_NODES = {
  node1: { instanceId: 'i-0a9e000000000001', eni: 'eni-0a9e000000000001' },
  node2: { instanceId: 'i-0a9e000000000002', eni: 'eni-0a9e000000000002' },
} as const;

export const AGENT_TEST_VIP = '10.1.0.10';

export function agentTestClusterConfig(cluster: string, heartbeatSeconds = 0.2): ClusterConfigInput {
  return {
    cluster,
    region: 'us-east-1',
    defaults: { heartbeat: { intervalSeconds: heartbeatSeconds, missedBeats: 3 }, checkIntervalSeconds: heartbeatSeconds },
    nodes: [
      { id: 'node1', instanceId: AGENT_TEST_NODES.node1.instanceId },
      { id: 'node2', instanceId: AGENT_TEST_NODES.node2.instanceId },
    ],
    resources: [
      {
        id: 'db-vip',
        group: 'db',
        mode: 'route',
        vpcId: 'vpc-0a9e0001',
        vpcCidr: '10.0.0.0/16',
        destination: `${AGENT_TEST_VIP}/32`,
        members: [
          { node: 'node1', eni: AGENT_TEST_NODES.node1.eni, priority: 1 },
          { node: 'node2', eni: AGENT_TEST_NODES.node2.eni, priority: 10 },
        ],
      },
    ],
  };
}

export class HandDrivenCluster {
  private status: GroupStatus;

  private constructor(
    readonly name: string,
    readonly store: DynamoStateStore,
    private readonly group: GroupSpec,
    private readonly fence: FencingToken,
    private readonly close: () => void,
  ) {
    this.status = initialStatus(group.id);
  }

  static async create(prefix: string, heartbeatSeconds?: number): Promise<HandDrivenCluster> {
    const name = uniqueTableName(prefix);
    const client = testDynamoDbClient();
    await applySpec(client, agentTestClusterConfig(name, heartbeatSeconds), { writer: 'test' });
    const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    const store = new DynamoStateStore(documents, name);
    const lease = await new DynamoLeaseStore(documents, name).acquire('test-driver', 3_600_000, Date.now());
    if (!lease.acquired) throw new Error('the test could not take the reconcile lease');
    const group = (await store.read()).spec.groups.find((g) => g.id === 'db')!;
    return new HandDrivenCluster(name, store, group, lease.fence, () => client.destroy());
  }

  /** Gives the group to `owner` at the next epoch, as a failover would. */
  async moveTo(owner: NodeId): Promise<GroupStatus> {
    const next: GroupStatus = { ...this.status, owner, epoch: this.status.epoch + 1, version: this.status.version + 1, phase: 'steady' };
    const result = await this.store.commitStatus(this.group, next, this.fence);
    if (result !== 'committed') throw new Error(`status commit ${result}`);
    this.status = next;
    return next;
  }

  destroy(): void {
    this.close();
  }
}
