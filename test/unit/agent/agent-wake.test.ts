import { describe, expect, it } from 'vitest';
import { agentWakes, type AgentWakeContext } from '../../../src/agent/agent-wake';
import { parseClusterConfig } from '../../../src/core/config';

/* The agent's wakes as its config has them. */

const spec = parseClusterConfig({
  cluster: 'c',
  region: 'us-east-1',
  nodes: [{ id: 'node1', instanceId: 'i-0000000000000001' }],
  resources: [{ id: 'db-eip', group: 'db', mode: 'eip', allocationId: 'eipalloc-00000001', members: [{ node: 'node1', eni: 'eni-00000001', priority: 1 }] }],
});

function context(wake: boolean, logged: string[]): AgentWakeContext {
  return {
    config: { cluster: 'c', wake, dynamoDbTimeoutSeconds: 2 },
    region: 'us-east-1',
    node: 'node1',
    watcher: { currentSpec: spec, currentStatuses: new Map(), currentNode: 'node1', intervalMs: 1_000 },
    readBeat: async () => undefined,
    log: { info: (message, fields) => logged.push(`${message} ${JSON.stringify(fields)}`), warn: () => undefined, error: () => undefined },
  };
}

describe('agentWakes', () => {
  it('builds nothing with wake: false, and says so', () => {
    // Prepare
    const logged: string[] = [];

    // Act
    const wakes = agentWakes(context(false, logged));

    // Assess
    expect(wakes).toBeUndefined();
    expect(logged).toEqual(['reconciler wakes off {"why":"wake: false in the agent config"}']);
  });

  it('wakes the cluster\'s reconciler from this node by default', () => {
    // Act
    const wakes = agentWakes(context(true, []));

    // Assess
    expect(wakes?.waker.functionName).toBe('c-reconciler');
  });
});
