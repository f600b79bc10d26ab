import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { LoopSummary, ReconcileLoop } from '../../../src/core/loop';
import { silentLogger } from '../../../src/core/logger';
import { OnDemandRuns } from '../../../src/process/on-demand-runs';

/* The on-demand shape in one process: runs on schedule, on wakes, and on node events, one at a time. */

const stopEvent = { version: '0', source: 'aws.ec2', 'detail-type': 'EC2 Instance State-change Notification', time: '2026-12-02T10:00:00Z', detail: { 'instance-id': 'i-00000000000000001', state: 'stopped' } };

/** Loops that each take `runMs` and record what they were told. */
function recordingRuns(runMs: number) {
  const runs: { startedAt: number; deadline: number; events: unknown[] }[] = [];
  const newRun = (deadline: number) => {
    const record = { startedAt: Date.now(), deadline, events: [] as unknown[] };
    runs.push(record);
    const summary: LoopSummary = { ticks: 1, transitions: 0, heldLease: true, stoppedBecause: 'steady' };
    return { run: async () => (await sleep(runMs), summary), notify: (event: unknown) => record.events.push(event) } as unknown as ReconcileLoop;
  };
  return { runs, newRun };
}

describe('OnDemandRuns', () => {
  it('runs on schedule, at once when woken, and once more right after a run a wake came during', async () => {
    // Prepare
    const { runs, newRun } = recordingRuns(60);
    const shape = new OnDemandRuns({ periodMs: 10_000, runMs: 5_000, newRun, logger: silentLogger });
    const stop = new AbortController();
    const running = shape.runUntil(stop.signal);
    await sleep(100);

    // Act: a wake between runs, then one during a run
    shape.wake('owner-silent', 'node2');
    await sleep(20);
    shape.wake('switchover', 'cli');
    await sleep(250);
    stop.abort();
    const totals = await running;

    // Assess: the scheduled run, the woken one, and the one after it; the next scheduled one is 10 s away
    expect(runs).toHaveLength(3);
    expect(totals).toEqual({ runs: 3, ticks: 3, transitions: 0 });
    expect(runs[1]!.startedAt - runs[0]!.startedAt).toBeGreaterThanOrEqual(95);
    expect(runs[2]!.startedAt - runs[1]!.startedAt).toBeGreaterThanOrEqual(55);
    expect(runs[0]!.deadline - runs[0]!.startedAt).toBe(5_000);
  });

  it('hands a node event to the run under way and to the next, and refuses one it does not understand, starting nothing', async () => {
    // Prepare
    const { runs, newRun } = recordingRuns(60);
    const shape = new OnDemandRuns({ periodMs: 10_000, runMs: 5_000, newRun, logger: silentLogger });
    const stop = new AbortController();
    const running = shape.runUntil(stop.signal);
    await sleep(20);

    // Act
    shape.notify(stopEvent);
    const refused = () => shape.notify({ source: 'aws.ec2' });
    await sleep(200);
    stop.abort();
    await running;

    // Assess
    expect(refused).toThrow(/EC2F-/);
    expect(runs).toHaveLength(2);
    expect(runs[0]!.events).toEqual([stopEvent]);
    expect(runs[1]!.events).toEqual([stopEvent]);
  });
});
