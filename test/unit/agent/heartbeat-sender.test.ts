import { describe, expect, it } from 'vitest';
import { silentAgentLogger, type AgentLogger } from '../../../src/agent/agent-logger';
import { HeartbeatSender, type HeartbeatWriter } from '../../../src/agent/heartbeat-sender';
import { StaleHeartbeatError } from '../../../src/aws/dynamodb/errors';
import type { Heartbeat } from '../../../src/core/model';

/** An in-memory heartbeat table with the store's condition: the sequence must grow. */
class FakeHeartbeatTable implements HeartbeatWriter {
  stored: Heartbeat | undefined;
  attempts: Heartbeat[] = [];
  mode: 'ok' | 'hang' | 'fail' = 'ok';

  async writeHeartbeat(heartbeat: Heartbeat): Promise<void> {
    this.attempts.push(heartbeat);
    if (this.mode === 'hang') return new Promise(() => undefined);
    if (this.mode === 'fail') throw new Error('ServiceUnavailable');
    if (this.stored && this.stored.seq >= heartbeat.seq) throw new StaleHeartbeatError(heartbeat.instanceId, heartbeat.seq);
    this.stored = heartbeat;
  }

  async lastSequence(): Promise<number | undefined> {
    if (this.mode !== 'ok') throw new Error('unreachable');
    return this.stored?.seq;
  }
}

function recordingLogger(): AgentLogger & { messages: string[] } {
  const messages: string[] = [];
  const log = (message: string) => void messages.push(message);
  return { messages, info: log, warn: log, error: log };
}

function sender(table: FakeHeartbeatTable, options: { clock?: () => number; log?: AgentLogger; intervalMs?: number } = {}): HeartbeatSender {
  return new HeartbeatSender(table, {
    instanceId: 'i-0000000000000001',
    agentVersion: '9.9.9',
    checks: () => [{ name: 'db', ok: true, required: true, detail: 'exit 0' }],
    intervalMs: () => options.intervalMs ?? 10,
    writeTimeoutMs: 30,
    log: options.log ?? silentAgentLogger,
    clock: options.clock,
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('HeartbeatSender', () => {
  it('resumes above the stored sequence when the clock is behind it', async () => {
    // Prepare
    const table = new FakeHeartbeatTable();
    table.stored = { instanceId: 'i-0000000000000001', seq: 5_000, sentAt: 0, leaving: false, checks: [] };
    const beats = sender(table, { clock: () => 1_000 });
    const stop = new AbortController();

    // Act
    await beats.initialize();
    const running = beats.run(stop.signal);
    await sleep(50);
    stop.abort();
    await running;

    // Assess
    expect(table.attempts[0]!.seq).toBe(5_001);
    expect(table.stored!.seq).toBeGreaterThan(5_001);
    expect(table.stored).toMatchObject({ leaving: false, agentVersion: '9.9.9', checks: [{ name: 'db', ok: true }] });
  });

  it('keeps beating on its rhythm while writes hang, each cut off by its own timeout', async () => {
    // Prepare
    const table = new FakeHeartbeatTable();
    const log = recordingLogger();
    const beats = sender(table, { log });
    const stop = new AbortController();
    await beats.initialize();

    // Act
    table.mode = 'hang';
    const running = beats.run(stop.signal);
    await sleep(300);
    stop.abort();
    await running;

    // Assess: backing off after two failures, but still trying
    expect(table.attempts.length).toBeGreaterThanOrEqual(4);
    expect(log.messages).toContain('heartbeat write failed; still trying');
  });

  it('recovers when the table answers again', async () => {
    // Prepare
    const table = new FakeHeartbeatTable();
    const log = recordingLogger();
    const beats = sender(table, { log });
    const stop = new AbortController();
    await beats.initialize();
    const running = beats.run(stop.signal);
    await sleep(30);
    table.mode = 'fail';
    await sleep(60);
    const storedDuringOutage = table.stored!.seq;

    // Act
    table.mode = 'ok';
    await sleep(150);
    stop.abort();
    await running;

    // Assess
    expect(log.messages).toEqual(expect.arrayContaining(['heartbeating', 'heartbeat write failed; still trying', 'heartbeats resumed']));
    expect(table.stored!.seq).toBeGreaterThan(storedDuringOutage);
  });

  it('writes a leaving beat above every beat before it, and beats no more', async () => {
    // Prepare
    const table = new FakeHeartbeatTable();
    const beats = sender(table);
    const stop = new AbortController();
    await beats.initialize();
    const running = beats.run(stop.signal);
    await sleep(40);

    // Act
    const written = await beats.leave(1000);
    stop.abort();
    await running;
    const attemptsAfterLeave = table.attempts.length;
    await sleep(40);

    // Assess
    expect(written).toBe(true);
    expect(table.stored?.leaving).toBe(true);
    expect(table.stored!.seq).toBe(Math.max(...table.attempts.map((a) => a.seq)));
    expect(table.attempts.length).toBe(attemptsAfterLeave);
  });

  it('jumps past a stored sequence it finds ahead of its own, and is accepted again', async () => {
    // Prepare: something wrote far ahead after this sender started (a clock that stepped back, say)
    const table = new FakeHeartbeatTable();
    const beats = sender(table, { clock: () => 1_000 });
    await beats.initialize();
    table.stored = { instanceId: 'i-0000000000000001', seq: 9_000, sentAt: 0, leaving: false, checks: [] };

    // Act
    const written = await beats.leave(1000);

    // Assess
    expect(written).toBe(true);
    expect(table.stored).toMatchObject({ seq: 9_001, leaving: true });
  });

  it('gives up on the leaving beat after its budget when the table does not answer', async () => {
    // Prepare
    const table = new FakeHeartbeatTable();
    const beats = sender(table);
    await beats.initialize();
    table.mode = 'fail';

    // Act
    const started = Date.now();
    const written = await beats.leave(300);

    // Assess
    expect(written).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(table.attempts.every((a) => a.leaving)).toBe(true);
  });
});
