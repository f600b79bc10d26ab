import { describe, expect, it } from 'vitest';
import { initialSequence, nextBeatDelayMs } from '../../../src/agent/heartbeat-sequence';

describe('initialSequence', () => {
  it('starts from the clock when nothing is stored or the stored sequence is behind it', () => {
    expect(initialSequence(undefined, 1_700_000_000_123.7)).toBe(1_700_000_000_123);
    expect(initialSequence(1_600_000_000_000, 1_700_000_000_000)).toBe(1_700_000_000_000);
  });

  it('starts from the stored sequence when the clock stepped back behind it', () => {
    expect(initialSequence(1_700_000_005_000, 1_700_000_000_000)).toBe(1_700_000_005_000);
  });

  it('lands above everything an earlier run wrote, one beat per interval, even without reading the store', () => {
    // Prepare: a run started at t0 beat every second for an hour
    const t0 = 1_700_000_000_000;
    const lastWritten = initialSequence(undefined, t0) + 3600;

    // Act: restarted a second later
    const restarted = initialSequence(undefined, t0 + 3601 * 1000);

    // Assess
    expect(restarted + 1).toBeGreaterThan(lastWritten);
  });
});

describe('nextBeatDelayMs', () => {
  it('jitters only earlier: between 90 % and 100 % of the interval', () => {
    expect(nextBeatDelayMs(1000, 0, () => 0)).toBe(900);
    expect(nextBeatDelayMs(1000, 1, () => 1)).toBe(1000);
  });

  it('backs off from the second failure in a row, doubling, up to 5 s', () => {
    const delays = [2, 3, 4, 5, 10].map((failures) => nextBeatDelayMs(1000, failures, () => 1));
    expect(delays).toEqual([2000, 4000, 5000, 5000, 5000]);
  });

  it('never waits less than the interval when the interval is above the cap', () => {
    expect(nextBeatDelayMs(10_000, 6, () => 1)).toBe(10_000);
  });
});
