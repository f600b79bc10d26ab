import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { clusterConfigJsonSchema, parseClusterConfig } from '../../../src/core/config';
import { parseClusterConfigText } from '../../../src/core/config-text';
import { ConfigError } from '../../../src/core/errors';

const root = join(__dirname, '..', '..', '..');
const exampleText = readFileSync(join(root, 'examples', 'cluster.yaml'), 'utf8');

function example(): any {
  return parseYaml(exampleText);
}

function problemsOf(mutate: (config: any) => void): { code: string; path: string; message: string }[] {
  const config = example();
  mutate(config);
  try {
    parseClusterConfig(config);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected the config to be refused');
}

describe('cluster config', () => {
  it('accepts the README example, resolving defaults and groups', () => {
    // Act
    const spec = parseClusterConfigText(exampleText);

    // Assess
    expect(spec.cluster).toBe('prod-db');
    expect(spec.defaults.tunables).toEqual({
      apiCallTimeoutSeconds: 3,
      restoreTimeoutSeconds: 300,
      removeTimeoutSeconds: 300,
      recoverTimeoutSeconds: 300,
      quickCheckTimeoutSeconds: 100,
      maxRetry: 3,
    });
    expect(spec.groups.map((g) => [g.id, g.switchback, g.nodesByPriority])).toEqual([
      ['db', 'intelligent', ['node1', 'node2']],
      ['web-eip', 'automatic', ['node1', 'node2']],
    ]);
    const eip = spec.resources.find((r) => r.id === 'web-eip');
    expect(eip?.members[1]?.privateIp).toBe('10.0.2.15');
  });

  it('keeps the README example identical to examples/cluster.yaml', () => {
    // Prepare
    const readme = readFileSync(join(root, 'README.md'), 'utf8');

    // Assess
    expect(readme).toContain(exampleText.trim());
  });

  it('fills every default from a minimal config and accepts fractional seconds', () => {
    // Prepare
    const minimal = {
      cluster: 'mini',
      region: 'eu-west-1',
      defaults: { heartbeat: { intervalSeconds: 0.2 }, checkIntervalSeconds: 0.1 },
      nodes: [{ id: 'a', instanceId: 'i-0123456789abcdef0' }],
      resources: [{ id: 'vip', mode: 'route', vpcId: 'vpc-0abc1234', destination: '10.9.0.1/32', members: [{ node: 'a', eni: 'eni-01234567', priority: 5 }] }],
    };

    // Act
    const spec = parseClusterConfig(minimal);

    // Assess
    expect(spec.defaults.heartbeat).toEqual({ intervalSeconds: 0.2, missedBeats: 3 });
    expect(spec.defaults.checkIntervalSeconds).toBe(0.1);
    expect(spec.defaults.switchback).toBe('intelligent');
    expect(spec.resources[0]).toMatchObject({ routeTables: 'all', group: 'vip', fencing: 'none' });
  });

  const cases: [string, string, (c: any) => void][] = [
    ['malformed CIDR', 'EC2F-C003', (c) => (c.resources[0].destination = '10.1.0.300/32')],
    ['malformed VPC CIDR', 'EC2F-C003', (c) => (c.resources[0].vpcCidr = '10.0.0.0/33')],
    ['destination not a host route', 'EC2F-C004', (c) => (c.resources[0].destination = '10.1.0.0/24')],
    ['destination inside the VPC CIDR', 'EC2F-C005', (c) => (c.resources[0].destination = '10.0.3.7/32')],
    ['priority above 999', 'EC2F-C006', (c) => (c.resources[0].members[1].priority = 1000)],
    ['priority below 1', 'EC2F-C006', (c) => (c.resources[0].members[0].priority = 0)],
    ['priority duplicated within a resource', 'EC2F-C007', (c) => (c.resources[0].members[1].priority = 1)],
    ['unknown node', 'EC2F-C008', (c) => (c.resources[1].members[1].node = 'node9')],
    ['node twice in a resource', 'EC2F-C009', (c) => (c.resources[0].members[1].node = 'node1')],
    ['unknown mode', 'EC2F-C010', (c) => (c.resources[0].mode = 'dns')],
    ['missing ENI', 'EC2F-C011', (c) => delete c.resources[0].members[0].eni],
    ['malformed ENI', 'EC2F-C011', (c) => (c.resources[0].members[0].eni = 'eth0')],
    ['EIP private IP not IPv4', 'EC2F-C012', (c) => (c.resources[1].members[1].privateIp = '10.0.2')],
    ['unknown key at the top (typo)', 'EC2F-C002', (c) => (c.resourses = [])],
    ['unknown key in a member', 'EC2F-C002', (c) => (c.resources[0].members[0].priorty = 3)],
    ['privateIp on a route member', 'EC2F-C002', (c) => (c.resources[0].members[0].privateIp = '10.0.0.5')],
    ['unknown key in defaults', 'EC2F-C002', (c) => (c.defaults.heartbeat.missedBeat = 2)],
    [
      'a group whose resources name different nodes',
      'EC2F-C013',
      (c) => {
        c.nodes.push({ id: 'node3', instanceId: 'i-0aaaaaaaaaaaaaaa3' });
        c.resources[1].group = 'db';
        c.resources[1].switchback = 'intelligent';
        c.resources[1].members[1].node = 'node3';
      },
    ],
    [
      'a group whose resources differ in switchback',
      'EC2F-C014',
      (c) => {
        c.resources[1].group = 'db';
      },
    ],
    ['a duplicated node id', 'EC2F-C015', (c) => (c.nodes[1].id = 'node1')],
    ['a negative interval', 'EC2F-C016', (c) => (c.defaults.heartbeat.intervalSeconds = -1)],
  ];

  it.each(cases)('refuses %s with %s, naming the path', (_name, expectedCode, mutate) => {
    // Act
    const problems = problemsOf(mutate);

    // Assess
    expect(problems.map((p) => p.code)).toContain(expectedCode);
    const problem = problems.find((p) => p.code === expectedCode)!;
    expect(problem.path).not.toBe('');
    expect(problem.message.length).toBeGreaterThan(10);
  });

  it('reports the code, the path and what to fix in the error message', () => {
    // Act
    const error = (() => {
      try {
        parseClusterConfigText(exampleText.replace('destination: 10.1.0.10/32', 'destination: 10.0.1.10/32'), 'cluster.yaml');
      } catch (e) {
        return e as ConfigError;
      }
      return undefined;
    })();

    // Assess
    expect(error?.code).toBe('EC2F-C005');
    expect(error?.message).toContain('resources[0].destination');
    expect(error?.message).toContain('outside 10.0.0.0/16');
    expect(error?.message).toContain('cluster.yaml');
  });

  it('refuses text that is not YAML with EC2F-C001', () => {
    expect(() => parseClusterConfigText('cluster: [unclosed')).toThrow(/EC2F-C001/);
  });

  it('refuses duplicate keys in YAML rather than keeping the last one', () => {
    expect(() => parseClusterConfigText(`${exampleText}\ncluster: other\n`)).toThrow(/EC2F-C001/);
  });

  it('exports a JSON Schema that marks unknown keys as errors', () => {
    // Act
    const schema = clusterConfigJsonSchema() as { additionalProperties?: unknown; properties: Record<string, unknown> };

    // Assess
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(['cluster', 'region', 'defaults', 'nodes', 'resources']);
  });
});
