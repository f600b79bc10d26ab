import { describe, expect, it } from 'vitest';
import { hookEnvironment } from '../../../src/agent/hook-environment';

describe('hookEnvironment', () => {
  it('tells a hook the group, epoch, role, resources, virtual IPs and interfaces, aligned', () => {
    // Act
    const env = hookEnvironment(
      {
        cluster: 'prod',
        node: 'node1',
        instanceId: 'i-0000000000000001',
        group: 'db',
        epoch: 7,
        role: 'active',
        reason: 'became-owner',
        bindings: [
          { resource: 'db-vip', mode: 'route', eni: 'eni-00000001', vip: '10.1.0.10', interface: 'ens5' },
          { resource: 'db-eip', mode: 'eip', eni: 'eni-00000002' },
          { resource: 'db-vip2', mode: 'route', eni: 'eni-00000003', vip: '10.1.0.11', interface: 'ens6' },
        ],
      },
      { PATH: '/usr/bin' },
    );

    // Assess
    expect(env).toEqual({
      PATH: '/usr/bin',
      EC2F_CLUSTER: 'prod',
      EC2F_NODE: 'node1',
      EC2F_INSTANCE_ID: 'i-0000000000000001',
      EC2F_GROUP: 'db',
      EC2F_EPOCH: '7',
      EC2F_ROLE: 'active',
      EC2F_REASON: 'became-owner',
      EC2F_RESOURCE: 'db-vip',
      EC2F_RESOURCES: 'db-vip db-eip db-vip2',
      EC2F_ENI: 'eni-00000001 eni-00000002 eni-00000003',
      EC2F_VIP: '10.1.0.10 10.1.0.11',
      EC2F_INTERFACE: 'ens5 ens6',
    });
  });
});
