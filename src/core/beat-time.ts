import type { ClusterSpec, Heartbeat, LivenessBaseline } from './model';

/*
 * When did a silent node last prove alive? The judge's own clock says when it *saw* each beat,
 * which is later than the beat by however long the beat took to be read: up to a whole tick for
 * a judge that watches all the time, and unknown for a run that has just started (on-demand
 * runs start when woken, seconds after the owner went quiet). The beat's own time (`sentAt`, on
 * the node's clock) says when it was sent, but only as well as the node's clock agrees with the
 * judge's.
 *
 * So the judge measures that agreement: every beat it sees is at most `seen − sentAt` behind
 * its clock; the smallest such figure is an upper bound on how far the node's clock is behind
 * (`lagMs`). The bound is allowed to grow by 1 ms a second (a clock drifting that fast is far
 * worse than any NTP-free clock drifts), so it stays a bound while the node's clock drifts. A
 * beat then proves the node alive at `sentAt + bound`, never earlier than it truly was.
 *
 * A node can only lie about its own beats: an early `sentAt` can only get the node itself failed,
 * which it could do by ceasing to beat. A clock that *steps* backwards breaks the bound; against
 * that, no node is failed on its beat time alone before the judge itself has watched it silent
 * for a beat and a quarter (an alive node's sequence advances within that, whatever its clock).
 */

/** How fast the lag bound grows between measurements: 1 ms a second. */
const LAG_GROWTH_PER_MS = 0.001;

/** How long the judge must itself have seen a node silent before its beat time can fail it. */
export function watchedSilenceMs(spec: ClusterSpec): number {
  return 1.25 * spec.defaults.heartbeat.intervalSeconds * 1000;
}

/** The most the node's clock can be behind the judge's at `now`, from earlier beats; undefined when never measured. */
export function lagBound(baseline: LivenessBaseline | undefined, now: number): number | undefined {
  if (baseline?.lagMs === undefined || baseline.lagAt === undefined) return undefined;
  return baseline.lagMs + Math.max(0, now - baseline.lagAt) * LAG_GROWTH_PER_MS;
}

/**
 * The baseline's lag fields and `aliveAt` after seeing `heartbeat` (an advance) at `now`. A beat
 * that, seen by a judge that was watching all along, looks older than the bound allows by more
 * than a beat and a tick shows the bound wrong (the node's clock stepped back or stands still):
 * the bound starts again from this beat, which then proves no more than its sight.
 */
export function beatTiming(spec: ClusterSpec, previous: LivenessBaseline | undefined, heartbeat: Heartbeat, now: number): Pick<LivenessBaseline, 'aliveAt' | 'lagMs' | 'lagAt'> {
  const measured = now - heartbeat.sentAt;
  const bound = lagBound(previous, now);
  const watching = previous !== undefined && now - previous.seenAt <= stableGapMs(spec);
  const contradicted = bound !== undefined && watching && measured - bound > stableGapMs(spec);
  if (bound === undefined || contradicted || measured < bound) {
    // With only this beat's own measurement, its beat time says nothing the sight does not.
    return { lagMs: measured, lagAt: now, aliveAt: bound === undefined ? undefined : now };
  }
  const aliveAt = Math.min(now, heartbeat.sentAt + bound);
  return { lagMs: previous!.lagMs, lagAt: previous!.lagAt, aliveAt: Math.max(aliveAt, previous?.aliveAt ?? -Infinity) };
}

/** The longest gap between two advances a stable node shows on the judge's clock: one beat, plus one tick of sampling. */
export function stableGapMs(spec: ClusterSpec): number {
  return (spec.defaults.heartbeat.intervalSeconds + spec.defaults.checkIntervalSeconds) * 1000;
}

/**
 * From when a node that stays silent counts as failed: a whole window after the judge last saw
 * it advance, or sooner, a window after it last proved alive by its beat time, once the judge
 * has itself watched it silent for a beat and a quarter.
 */
export function failureDueAt(baseline: LivenessBaseline, spec: ClusterSpec, windowMs: number): number {
  const watched = baseline.seenAt + windowMs;
  if (baseline.aliveAt === undefined) return watched;
  return Math.min(watched, Math.max(baseline.aliveAt + windowMs, baseline.seenAt + watchedSilenceMs(spec)));
}

/** How long the node has been silent, by the better of the two clocks. */
export function silenceMs(baseline: LivenessBaseline, now: number): number {
  return now - Math.min(baseline.seenAt, baseline.aliveAt ?? baseline.seenAt);
}
