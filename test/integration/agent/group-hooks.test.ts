import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAgentConfig, type AgentConfigInput } from '../../../src/agent/agent-config';
import { silentAgentLogger } from '../../../src/agent/agent-logger';
import { GroupHooks } from '../../../src/agent/group-hooks';
import type { HookCall } from '../../../src/agent/hook-environment';

/*
 * Activation and deactivation steps with real processes: a stand-in `ip` (a script that logs
 * its arguments and answers as told) and shell hooks that log their environment. Nothing here
 * touches a network interface.
 */

let dir: string;
let trace: string;
let ipAnswer: string;

const FAKE_IP = `#!/bin/sh
echo "ip $*" >> "$TRACE"
if [ -f "$ANSWER" ]; then read code message < "$ANSWER"; echo "$message" >&2; exit "$code"; fi
exit 0
`;

const call = (role: HookCall['role'], extra: Partial<HookCall> = {}): HookCall => ({
  cluster: 'prod',
  node: 'node1',
  instanceId: 'i-0000000000000001',
  group: 'db',
  epoch: 3,
  role,
  reason: role === 'active' ? 'became-owner' : 'lost-ownership',
  bindings: [
    { resource: 'db-vip', mode: 'route', eni: 'eni-00000001', vip: '10.1.0.10', interface: 'ens5' },
    { resource: 'db-eip', mode: 'eip', eni: 'eni-00000001' },
  ],
  ...extra,
});

function hooks(overrides: Partial<NonNullable<AgentConfigInput['hooks']>> = {}): GroupHooks {
  const script = (name: string) => `echo "${name} $EC2F_ROLE $EC2F_GROUP $EC2F_EPOCH $EC2F_VIP $EC2F_INTERFACE" >> "$TRACE"`;
  const config = parseAgentConfig({
    cluster: 'prod',
    hooks: { ipCommand: ['/bin/sh', join(dir, 'ip.sh')], activate: { command: script('activate') }, deactivate: { command: script('deactivate') }, ...overrides },
  });
  return new GroupHooks(config.hooks, silentAgentLogger);
}

function traced(): string[] {
  return existsSync(trace) ? readFileSync(trace, 'utf8').split('\n').filter((line) => line !== '') : [];
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ec2f-agent-hooks-'));
  writeFileSync(join(dir, 'ip.sh'), FAKE_IP);
  trace = join(dir, 'trace');
  ipAnswer = join(dir, 'ip.answer');
  process.env.TRACE = trace;
  process.env.ANSWER = ipAnswer;
});

afterEach(() => {
  for (const file of [trace, ipAnswer]) if (existsSync(file)) unlinkSync(file);
});

afterAll(() => {
  delete process.env.TRACE;
  delete process.env.ANSWER;
  rmSync(dir, { recursive: true, force: true });
});

describe('GroupHooks (mode after)', () => {
  it('activates by bringing the virtual IP up on its interface, then running the user hook with its environment', async () => {
    // Act
    const result = await hooks().activate(call('active'));

    // Assess
    expect(result).toEqual({ ok: true });
    expect(traced()).toEqual(['ip addr add 10.1.0.10/32 dev ens5', 'activate active db 3 10.1.0.10 ens5']);
  });

  it('deactivates in reverse: the user hook first, then the address down', async () => {
    // Act
    const result = await hooks().deactivate(call('standby'));

    // Assess
    expect(result).toEqual({ ok: true });
    expect(traced()).toEqual(['deactivate standby db 3 10.1.0.10 ens5', 'ip addr del 10.1.0.10/32 dev ens5']);
  });

  it('counts an address already present as brought up', async () => {
    // Prepare
    writeFileSync(ipAnswer, '2 RTNETLINK answers: File exists\n');

    // Act
    const result = await hooks().activate(call('active'));

    // Assess
    expect(result).toEqual({ ok: true });
    expect(traced()).toHaveLength(2);
  });

  it('fails activation without running the user hook when ip refuses', async () => {
    // Prepare
    writeFileSync(ipAnswer, '2 RTNETLINK answers: Operation not permitted\n');

    // Act
    const result = await hooks().activate(call('active'));

    // Assess
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.message).toMatch(/^EC2F-G008 .*addr add 10\.1\.0\.10\/32 dev ens5 failed: exit 2: RTNETLINK answers: Operation not permitted/);
    expect(traced()).toEqual(['ip addr add 10.1.0.10/32 dev ens5']);
  });

  it('fails activation when the ENI has no known interface, saying why', async () => {
    // Act
    const result = await hooks().activate(
      call('active', { bindings: [{ resource: 'db-vip', mode: 'route', eni: 'eni-00000001', vip: '10.1.0.10', interfaceError: 'EC2F-G007 no local network interface for eni-00000001' }] }),
    );

    // Assess
    expect(!result.ok && result.error.message).toContain('EC2F-G007');
    expect(traced()).toEqual([]);
  });

  it('fails activation when the user hook exits non-zero or outlives its timeout', async () => {
    // Act
    const failing = await hooks({ activate: { command: 'echo "cannot promote" >&2; exit 4' } }).activate(call('active'));
    const slow = await hooks({ activate: { command: 'sleep 5', timeoutSeconds: 0.2 } }).activate(call('active'));

    // Assess
    expect(!failing.ok && failing.error.message).toBe('EC2F-G008 activate hook failed: exit 4: cannot promote');
    expect(!slow.ok && slow.error.message).toBe('EC2F-G008 activate hook failed: timed out after 0.2s, killed');
  });

  it('still takes the address down when the user deactivate hook fails, and reports the failure', async () => {
    // Act
    const result = await hooks({ deactivate: { command: 'exit 1' } }).deactivate(call('standby'));

    // Assess
    expect(result.ok).toBe(false);
    expect(traced()).toEqual(['ip addr del 10.1.0.10/32 dev ens5']);
  });
});

describe('GroupHooks (mode replace)', () => {
  it('runs only the user hooks: ip is never called', async () => {
    // Act
    const replace = hooks({ mode: 'replace' });
    await replace.activate(call('active'));
    await replace.deactivate(call('standby'));

    // Assess
    expect(traced()).toEqual(['activate active db 3 10.1.0.10 ens5', 'deactivate standby db 3 10.1.0.10 ens5']);
  });
});
