import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentAgentLogger, type AgentLogger } from '../../../src/agent/agent-logger';
import { HeartbeatSender, type HeartbeatWriter } from '../../../src/agent/heartbeat-sender';
import { StaleHeartbeatError } from '../../../src/aws/dynamodb/errors';
import type { Heartbeat } from '../../../src/core/model';

/** An in-memory heartbeat table with the store's condition: the sequence must grow. */
class FakeHeartbeatTable implements HeartbeatWriter {
  stored: Heartbeat | undefined;
  attempts: Heartbeat[] = [];
  /** When each attempt started, on the (fake) clock. */
  attemptedAt: number[] = [];
  mode: 'ok' | 'hang' | 'fail' | 'slow' = 'ok';
  /** How long a write takes in `slow` mode. */
  slowMs = 0;

  async writeHeartbeat(heartbeat: Heartbeat): Promise<void> {
    this.attempts.push(heartbeat);
    this.attemptedAt.push(Date.now());
    if (this.mode === 'hang') return new Promise(() => undefined);
    if (this.mode === 'fail') throw new Error('ServiceUnavailable');
    if (this.mode === 'slow') await new Promise((resolve) => setTimeout(resolve, this.slowMs));
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

interface SenderOptions {
  clock?: () => number;
  log?: AgentLogger;
  intervalMs?: number;
  missedBeats?: number;
  writeTimeoutMs?: number;
}

function sender(table: FakeHeartbeatTable, options: SenderOptions = {}): HeartbeatSender {
  return new HeartbeatSender(table, {
    instanceId: 'i-0000000000000001',
    agentVersion: '9.9.9',
    checks: () => [{ name: 'db', ok: true, required: true, detail: 'exit 0' }],
    intervalMs: () => options.intervalMs ?? 10,
    missedBeats: options.missedBeats === undefined ? undefined : () => options.missedBeats!,
    writeTimeoutMs: options.writeTimeoutMs ?? 30,
    log: options.log ?? silentAgentLogger,
    clock: options.clock,
    // No jitter: beats land exactly on the rhythm, so the gaps below are exact.
    random: () => 1,
  });
}

/** Gaps between consecutive write attempts, from attempt `from` on. */
function gapsBetweenAttempts(table: FakeHeartbeatTable, from = 0): number[] {
  return table.attemptedAt.slice(from + 1).map((at, i) => at - table.attemptedAt[from + i]!);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('HeartbeatSender', () => {
  it('sends what the node reports at once when asked, besides the rhythm', async () => {
    // Prepare
    const table = new FakeHeartbeatTable();
    let groups = { db: { epoch: 1, role: 'active' as const } } as Record<string, { epoch: number; role: 'active' | 'standby' | 'failed' | 'releasing' }>;
    const beats = new HeartbeatSender(table, {
      instanceId: 'i-0000000000000001',
      agentVersion: '9.9.9',
      checks: () => [],
      groups: () => groups,
      release: () => ({ deactivateMs: 1500 }),
      intervalMs: () => 60_000,
      writeTimeoutMs: 100,
      log: silentAgentLogger,
    });
    await beats.initialize();

    // Act
    groups = { db: { epoch: 2, role: 'releasing' } };
    beats.beatNow();
    await sleep(20);

    // Assess
    expect(table.attempts).toHaveLength(1);
    expect(table.stored).toMatchObject({ groups: { db: { epoch: 2, role: 'releasing' } }, release: { deactivateMs: 1500 } });
  });

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

describe('HeartbeatSender on a fake clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Starts a sender on fake timers; `stop` ends its loop. */
  async function running(table: FakeHeartbeatTable, options: SenderOptions) {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
    const beats = sender(table, options);
    await beats.initialize();
    const stop = new AbortController();
    const loop = beats.run(stop.signal);
    return {
      beats,
      stop: async () => {
        stop.abort();
        await vi.advanceTimersByTimeAsync(0);
        await loop;
      },
    };
  }

  it('backs off after failed writes, but never longer than one missed-beat window', async () => {
    // Prepare
    const table = new FakeHeartbeatTable();
    table.mode = 'fail';
    const agent = await running(table, { intervalMs: 1_000, missedBeats: 3, writeTimeoutMs: 2_000 });

    // Act: a minute of DynamoDB refusing every write
    await vi.advanceTimersByTimeAsync(60_000);
    await agent.stop();

    // Assess: it did back off (fewer writes than beats), each wait at most 3 × 1 s, in fact at most 2 s
    const gaps = gapsBetweenAttempts(table);
    expect(table.attempts.length).toBeLessThan(60);
    expect(Math.max(...gaps)).toBeGreaterThan(1_000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(3 * 1_000);
    expect(Math.max(...gaps)).toBe(2_000);
  });

  it('keeps its backoff under the window at a short interval and many missed beats', async () => {
    // Prepare
    const table = new FakeHeartbeatTable();
    table.mode = 'fail';
    const agent = await running(table, { intervalMs: 250, missedBeats: 10, writeTimeoutMs: 500 });

    // Act
    await vi.advanceTimersByTimeAsync(60_000);
    await agent.stop();

    // Assess
    expect(Math.max(...gapsBetweenAttempts(table))).toBeLessThanOrEqual(10 * 250);
  });

  it('does not back off at all when it is not told the missed-beat window', async () => {
    // Prepare
    const table = new FakeHeartbeatTable();
    table.mode = 'fail';
    const agent = await running(table, { intervalMs: 1_000, writeTimeoutMs: 500 });

    // Act
    await vi.advanceTimersByTimeAsync(20_000);
    await agent.stop();

    // Assess
    expect(Math.max(...gapsBetweenAttempts(table))).toBe(1_000);
  });

  it('returns to its normal rhythm with the first write that succeeds', async () => {
    // Prepare: backed off to its longest wait
    const table = new FakeHeartbeatTable();
    table.mode = 'fail';
    const agent = await running(table, { intervalMs: 1_000, missedBeats: 5, writeTimeoutMs: 2_000 });
    await vi.advanceTimersByTimeAsync(30_000);
    const failedAttempts = table.attempts.length;

    // Act
    table.mode = 'ok';
    await vi.advanceTimersByTimeAsync(10_000);
    await agent.stop();

    // Assess: one more backed-off wait at most, then a beat every second
    const gaps = gapsBetweenAttempts(table, failedAttempts);
    expect(gaps.length).toBeGreaterThanOrEqual(5);
    expect(gaps.every((gap) => gap === 1_000)).toBe(true);
    expect(table.attemptedAt[failedAttempts]! - table.attemptedAt[failedAttempts - 1]!).toBeLessThanOrEqual(4 * 1_000);
  });

  it('cuts a backed-off wait short when a slow write succeeds meanwhile', async () => {
    // Prepare: backed off to 4 s waits
    const table = new FakeHeartbeatTable();
    table.mode = 'fail';
    const agent = await running(table, { intervalMs: 1_000, missedBeats: 5, writeTimeoutMs: 3_000 });
    await vi.advanceTimersByTimeAsync(30_000);

    // Act: the table answers again, slowly; the next write lands 1.5 s into a 4 s wait
    table.mode = 'slow';
    table.slowMs = 1_500;
    const before = table.attempts.length;
    while (table.attempts.length === before) await vi.advanceTimersByTimeAsync(100);
    const slowWriteAt = table.attemptedAt[before]!;
    await vi.advanceTimersByTimeAsync(5_000);
    await agent.stop();

    // Assess: the next beat came one interval after the success, not at the end of the 4 s wait
    expect(table.stored?.seq).toBeDefined();
    expect(table.attemptedAt[before + 1]! - slowWriteAt).toBe(1_500 + 1_000);
  });

  it('writes the same incarnation on every beat of one start, and a new one after a restart', async () => {
    // Prepare
    const table = new FakeHeartbeatTable();
    const first = await running(table, { intervalMs: 1_000 });
    await vi.advanceTimersByTimeAsync(3_000);
    await first.stop();
    const firstStart = table.attempts.length;

    // Act: the agent restarts
    const second = await running(table, { intervalMs: 1_000 });
    await vi.advanceTimersByTimeAsync(3_000);
    await second.stop();

    // Assess
    const incarnations = table.attempts.map((beat) => beat.incarnation);
    expect(new Set(incarnations.slice(0, firstStart)).size).toBe(1);
    expect(new Set(incarnations.slice(firstStart)).size).toBe(1);
    expect(incarnations[0]).toMatch(/^[0-9a-f]{16}$/);
    expect(incarnations[firstStart]).not.toBe(incarnations[0]);
  });
});
