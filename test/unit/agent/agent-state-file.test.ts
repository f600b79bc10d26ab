import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentAgentLogger } from '../../../src/agent/agent-logger';
import { AgentStateFile } from '../../../src/agent/agent-state-file';
import type { GroupRecord } from '../../../src/agent/ownership-decision';

let dir: string;
const options = () => ({ stateDir: join(dir, 'state'), cluster: 'prod', instanceId: 'i-0000000000000001', bootId: 'boot-1' });
const records = new Map<string, GroupRecord>([
  ['db', { epoch: 4, role: 'active', at: 123, bindings: [{ resource: 'db-vip', mode: 'route', eni: 'eni-00000001', vip: '10.1.0.10', interface: 'ens5' }] }],
  ['web', { epoch: 2, role: 'standby', at: 456 }],
]);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ec2f-agent-state-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('AgentStateFile', () => {
  it('keeps what it saved across instances, creating its directory, leaving no temporary file', () => {
    // Act
    new AgentStateFile(options()).save(records);
    const loaded = new AgentStateFile(options()).load(silentAgentLogger);

    // Assess
    expect(loaded).toEqual(records);
    expect(readdirSync(join(dir, 'state'))).toEqual(['prod.i-0000000000000001.json']);
  });

  it('starts afresh for records of an earlier boot: the kernel forgot the addresses', () => {
    // Prepare
    new AgentStateFile(options()).save(records);

    // Act
    const loaded = new AgentStateFile({ ...options(), bootId: 'boot-2' }).load(silentAgentLogger);

    // Assess
    expect(loaded.size).toBe(0);
  });

  it('starts afresh from a file that is absent or not JSON', () => {
    // Prepare
    const file = new AgentStateFile(options());
    const absent = file.load(silentAgentLogger);
    new AgentStateFile(options()).save(records);
    writeFileSync(file.path, '{ half a fi');

    // Act
    const corrupt = file.load(silentAgentLogger);

    // Assess
    expect(absent.size).toBe(0);
    expect(corrupt.size).toBe(0);
  });

  it('throws EC2F-G009 when it cannot write', () => {
    // Prepare: a file where the directory should be
    writeFileSync(join(dir, 'state'), 'not a directory');

    // Act
    const save = () => new AgentStateFile(options()).save(records);

    // Assess
    expect(save).toThrow(expect.objectContaining({ code: 'EC2F-G009' }));
  });
});
