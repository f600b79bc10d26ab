import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig, parseAgentConfig, parseAgentConfigText } from '../../../src/agent/agent-config';
import { ConfigError } from '../../../src/core/errors';

function problems(input: unknown): { code: string; path: string; message: string }[] {
  try {
    parseAgentConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => ({ ...p }));
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('parseAgentConfig', () => {
  it('fills every default from a config that names only the cluster', () => {
    // Act
    const config = parseAgentConfig({ cluster: 'prod-db' });

    // Assess
    expect(config).toEqual({
      cluster: 'prod-db',
      stateDir: '/var/lib/ec2-failover',
      dynamoDbTimeoutSeconds: 2,
      interfaces: {},
      checks: [],
      hooks: { mode: 'after', ipCommand: ['ip'], ipTimeoutSeconds: 10, activateRetrySeconds: 30 },
      selfFencing: { enabled: false, leaseSeconds: 10 },
      wake: true,
    });
  });

  it('accepts the example config shipped in deploy/agent/agent.example.yaml', () => {
    // Act
    const config = loadAgentConfig(join(__dirname, '..', '..', '..', 'deploy', 'agent', 'agent.example.yaml'));

    // Assess
    expect(config.checks.map((c) => [c.name, c.type, c.required, c.intervalSeconds, c.timeoutSeconds, c.failureThreshold])).toEqual([
      ['postgres', 'tcp', true, 2, 1, 1],
      ['api', 'http', false, 5, 2, 1],
      ['replication-lag', 'command', false, 10, 5, 3],
    ]);
    expect(config.checks[0]).toMatchObject({ host: '127.0.0.1' });
    expect(config.hooks.activate).toEqual({ command: '/usr/local/bin/promote-db', timeoutSeconds: 120 });
    expect(config.hooks.deactivate).toEqual({ command: ['/usr/local/bin/demote-db', '--fast'], timeoutSeconds: 60 });
  });

  it('names an unknown key with EC2F-G003 and its path', () => {
    // Act
    const found = problems({ cluster: 'c', hooks: { activte: { command: 'x' } } });

    // Assess
    expect(found).toEqual([{ code: 'EC2F-G003', path: 'hooks.activte', message: expect.stringContaining('unknown key "activte"') }]);
  });

  it('lists every bad value with EC2F-G002', () => {
    // Act
    const found = problems({
      cluster: 'has space',
      checks: [
        { name: 'a', type: 'tcp', port: 0 },
        { name: 'b', type: 'http', url: 'ftp://x' },
        { name: 'c', type: 'smtp' },
      ],
      interfaces: { 'eni-1': 'eth1' },
      selfFencing: { leaseSeconds: -1 },
    });

    // Assess
    expect(found.map((p) => [p.code, p.path])).toEqual(
      expect.arrayContaining([
        ['EC2F-G002', 'cluster'],
        ['EC2F-G002', 'checks[0].port'],
        ['EC2F-G002', 'checks[1].url'],
        ['EC2F-G002', 'checks[2].type'],
        ['EC2F-G002', 'interfaces.eni-1'],
        ['EC2F-G002', 'selfFencing.leaseSeconds'],
      ]),
    );
    expect(found.find((p) => p.path === 'interfaces.eni-1')?.message).toContain('expected "eni-"');
  });

  it('refuses a check name used twice, or the reserved activate-hook, with EC2F-G004', () => {
    // Act
    const found = problems({
      cluster: 'c',
      checks: [
        { name: 'db', type: 'tcp', port: 5432 },
        { name: 'db', type: 'tcp', port: 5433 },
        { name: 'activate-hook', type: 'command', command: 'true' },
      ],
    });

    // Assess
    expect(found.map((p) => [p.code, p.path])).toEqual([
      ['EC2F-G004', 'checks[1].name'],
      ['EC2F-G004', 'checks[2].name'],
    ]);
  });

  it('refuses mode "replace" without any script: nothing would ever run', () => {
    // Act
    const found = problems({ cluster: 'c', hooks: { mode: 'replace' } });

    // Assess
    expect(found).toEqual([{ code: 'EC2F-G002', path: 'hooks.mode', message: expect.stringContaining('drops the built-in ip step') }]);
  });

  it('refuses text that is not YAML with EC2F-G002', () => {
    // Act
    const parse = () => parseAgentConfigText('cluster: [unclosed');

    // Assess
    expect(parse).toThrow(/EC2F-G002/);
  });
});

describe('loadAgentConfig', () => {
  it('throws EC2F-G001 for a file it cannot read', () => {
    // Act
    const load = () => loadAgentConfig('/nonexistent/agent.yaml');

    // Assess
    expect(load).toThrow(expect.objectContaining({ code: 'EC2F-G001' }));
  });

  it('names the file in its problems', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'ec2f-agent-config-'));
    const path = join(dir, 'agent.yaml');
    writeFileSync(path, 'cluster: c\nbogus: 1\n');

    // Act
    const load = () => loadAgentConfig(path);

    // Assess
    try {
      expect(load).toThrow(`invalid ${path}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
