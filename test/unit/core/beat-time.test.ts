import { describe, expect, it } from 'vitest';
import { judgeNodes, type HealthJudgement } from '../../../src/core/health';
import type { Heartbeat } from '../../../src/core/model';
import { clusterSpec } from '../../fixtures/specs';

/*
 * A node's own beat times, trusted only within the lag measured between its clock and the
 * judge's: they let a run that starts late judge the owner's silence from its last beat, and no
 * clock, however wrong, gets a beating node failed. Defaults: 1 s beats, 3 missed, 1 s ticks.
 */

const NODE1 = 'i-00000000000000001';
const NODE2 = 'i-00000000000000002';

/** Judges every `tickMs` from `from` to `to` (judge's clock), with what `beats(now)` says each node last wrote. */
function judgeOver(start: HealthJudgement | undefined, from: number, to: number, beats: (now: number) => Heartbeat[], tickMs = 1000): { judged: HealthJudgement; states: Map<string, Set<string>> } {
  const spec = clusterSpec();
  let judged = start ?? judgeNodes({ spec, heartbeats: { ok: true, value: beats(from) }, baselines: {}, now: from });
  const states = new Map<string, Set<string>>();
  for (let now = from + tickMs; now <= to; now += tickMs) {
    judged = judgeNodes({ spec, heartbeats: { ok: true, value: beats(now) }, baselines: judged.baselines, now });
    for (const [node, health] of judged.health) states.set(node, (states.get(node) ?? new Set()).add(health.state));
  }
  return { judged, states };
}

/** A node beating every second from 0, its clock `offsetAt(t)` ms behind the judge's; the item read at `now` lands 20 ms after it is sent. */
function beating(instanceId: string, offsetAt: (t: number) => number, stopsAt = Infinity) {
  return (now: number): Heartbeat => {
    const last = Math.floor(Math.min(now - 20, stopsAt) / 1000);
    return { instanceId, seq: 1 + last, sentAt: last * 1000 - offsetAt(last * 1000), leaving: false, checks: [] };
  };
}

describe('beat times within the measured lag', () => {
  it('judges a node whose clock is 5 s behind healthy all along, and never failed', () => {
    // Act
    const { judged, states } = judgeOver(undefined, 0, 120_000, (now) => [beating(NODE1, () => 5_000)(now), beating(NODE2, () => 0)(now)], 250);

    // Assess
    expect(states.get('node1')!.has('failed')).toBe(false);
    expect(judged.health.get('node1')!.state).toBe('healthy');
    expect(judged.baselines.node1!.lagMs).toBeGreaterThanOrEqual(5_000);
  });

  it('never fails a beating node whose clock steps back 10 s, nor one whose clock stands still', () => {
    // Act
    const stepped = judgeOver(undefined, 0, 60_000, (now) => [beating(NODE1, (t) => (t >= 30_000 ? 10_000 : 0))(now), beating(NODE2, () => 0)(now)], 250);
    const stuck = judgeOver(undefined, 0, 60_000, (now) => [{ ...beating(NODE1, () => 0)(now), sentAt: 0 }, beating(NODE2, () => 0)(now)], 250);

    // Assess
    expect(stepped.states.get('node1')!.has('failed')).toBe(false);
    expect(stepped.judged.health.get('node1')!.state).toBe('healthy');
    expect(stuck.states.get('node1')!.has('failed')).toBe(false);
    expect(stuck.judged.health.get('node1')!.state).toBe('healthy');
  });

  it('fails a dead node a window after its last beat, though first read 2.5 s after it, once watched silent for a beat and a quarter', () => {
    // Prepare: a run measured the lag and stopped at 10 s; node1 sent its last beat at 40 s
    const beats = (now: number) => [beating(NODE1, () => 0, 40_000)(now), beating(NODE2, () => 0)(now)];
    const earlier = judgeOver(undefined, 0, 10_000, beats, 250).judged;

    // Act: a run woken at 42.5 s looks every 50 ms
    const spec = clusterSpec();
    let judged = judgeNodes({ spec, heartbeats: { ok: true, value: beats(42_500) }, baselines: earlier.baselines, now: 42_500 });
    const atWake = judged.health.get('node1')!.state;
    let failedAt: number | undefined;
    for (let now = 42_550; failedAt === undefined && now < 50_000; now += 50) {
      judged = judgeNodes({ spec, heartbeats: { ok: true, value: beats(now) }, baselines: judged.baselines, now });
      if (judged.health.get('node1')!.state === 'failed') failedAt = now;
    }

    // Assess: a window after 40 s plus the lag bound, not a window after the wake (45.5 s)
    expect(atWake).toBe('healthy');
    expect(failedAt).toBeGreaterThan(43_000);
    expect(failedAt).toBeLessThanOrEqual(43_800);
    expect(judged.health.get('node2')!.state).toBe('healthy');
  });

  it('keeps a node stable across a minute unwatched when every beat of it arrived, and starts its dwell again when three were missed', () => {
    // Prepare
    const beats = (skipFrom: number, skipTo: number) => (now: number) => {
      const beat = beating(NODE1, () => 0)(now);
      const missed = now > skipTo ? Math.floor((skipTo - skipFrom) / 1000) : 0;
      return [{ ...beat, seq: beat.seq - missed }, beating(NODE2, () => 0)(now)];
    };
    const steady = judgeOver(undefined, 0, 10_000, beats(0, 0), 500).judged;
    const gappy = judgeOver(undefined, 0, 10_000, beats(30_000, 34_000), 500).judged;
    const stableSince = steady.baselines.node1!.stableSince;

    // Act: the next run, a minute later
    const spec = clusterSpec();
    const nextSteady = judgeNodes({ spec, heartbeats: { ok: true, value: beats(0, 0)(70_000) }, baselines: steady.baselines, now: 70_000 });
    const nextGappy = judgeNodes({ spec, heartbeats: { ok: true, value: beats(30_000, 34_000)(70_000) }, baselines: gappy.baselines, now: 70_000 });

    // Assess
    expect(nextSteady.baselines.node1!.stableSince).toBe(stableSince);
    expect(nextGappy.baselines.node1!.stableSince).toBe(70_000);
  });
});
