import { describe, expect, it } from 'vitest';
import { silentAgentLogger } from '../../../src/agent/agent-logger';
import { beatWaker, requiredChecksPass, wakesAfterBeat } from '../../../src/agent/beat-wakes';
import { HeartbeatSender, type HeartbeatWriter } from '../../../src/agent/heartbeat-sender';
import type { ReconcilerWake, WakeRequest } from '../../../src/aws/lambda/reconciler-wake';
import type { HealthCheckResult, Heartbeat } from '../../../src/core/model';

/* The wakes written heartbeats call for, through the sender that writes them. */

class Table implements HeartbeatWriter {
  async writeHeartbeat(): Promise<void> {}
  async lastSequence(): Promise<number | undefined> {
    return undefined;
  }
}

class RecordingWake implements ReconcilerWake {
  readonly requests: WakeRequest[] = [];
  async wake(request: WakeRequest) {
    this.requests.push(request);
    return 'sent' as const;
  }
}

const passing: HealthCheckResult = { name: 'db', ok: true, required: true };
const failing: HealthCheckResult = { ...passing, ok: false, detail: 'exit 1' };
const beat = (checks: HealthCheckResult[], leaving = false): Heartbeat => ({ instanceId: 'i-0000000000000002', seq: 1, sentAt: 0, leaving, checks });
const flush = () => new Promise((resolve) => setImmediate(resolve));

async function agentBeats(member: boolean) {
  let checks = [passing];
  const wake = new RecordingWake();
  const sender = new HeartbeatSender(new Table(), {
    instanceId: 'i-0000000000000002',
    agentVersion: '9.9.9',
    checks: () => checks,
    intervalMs: () => 1_000,
    writeTimeoutMs: 100,
    log: silentAgentLogger,
    onWritten: beatWaker(wake, { member: () => member, intervalMs: () => 1_000 }),
  });
  await sender.initialize();
  const beatWith = async (now: HealthCheckResult[]) => {
    checks = now;
    sender.beatNow();
    await flush();
  };
  return { wake, sender, beatWith };
}

describe('requiredChecksPass', () => {
  it('reads only the required checks', () => {
    // Act, Assess
    expect(requiredChecksPass([passing, { ...failing, required: false }])).toBe(true);
    expect(requiredChecksPass([passing, failing])).toBe(false);
    expect(requiredChecksPass([])).toBe(true);
  });
});

describe('wakesAfterBeat', () => {
  it('wakes for the first beat, the first leaving beat and a flip of the verdict, each once', () => {
    // Act
    const first = wakesAfterBeat(undefined, beat([failing]), true);
    const same = wakesAfterBeat(first.memory, beat([failing]), true);
    const flipped = wakesAfterBeat(same.memory, beat([passing]), true);
    const leaving = wakesAfterBeat(flipped.memory, beat([passing], true), true);
    const released = wakesAfterBeat(leaving.memory, beat([passing], true), true);

    // Assess
    expect([first, same, flipped, leaving, released].map((step) => step.reasons)).toEqual([['agent-started'], [], ['checks-changed'], ['leaving'], []]);
  });
});

describe('beatWaker behind the heartbeat sender', () => {
  it('wakes once when the checks flip, once more when they flip back', async () => {
    // Prepare
    const { wake, beatWith } = await agentBeats(true);

    // Act
    await beatWith([passing]);
    await beatWith([passing, failing]);
    await beatWith([passing, failing]);
    await beatWith([passing]);

    // Assess
    expect(wake.requests.map((request) => request.reason)).toEqual(['agent-started', 'checks-changed', 'checks-changed']);
    expect(wake.requests[1]).toEqual({ reason: 'checks-changed', minGapMs: 1_000 });
  });

  it('leaves flips unannounced on a node that is a member of no group', async () => {
    // Prepare
    const { wake, beatWith } = await agentBeats(false);

    // Act
    await beatWith([passing]);
    await beatWith([failing]);

    // Assess
    expect(wake.requests.map((request) => request.reason)).toEqual(['agent-started']);
  });

  it('wakes right after the leaving beat is stored, once', async () => {
    // Prepare
    const { wake, sender, beatWith } = await agentBeats(true);
    await beatWith([passing]);

    // Act
    const left = await sender.leave(1_000);
    await sender.leave(1_000);

    // Assess
    expect(left).toBe(true);
    expect(wake.requests.map((request) => request.reason)).toEqual(['agent-started', 'leaving']);
  });
});
