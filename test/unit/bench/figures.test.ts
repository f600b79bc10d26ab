import { describe, expect, it } from 'vitest';
import { parseBenchFlags } from '../../../bench/bench-flags';
import { distributionSvg } from '../../../bench/distribution-svg';
import { repointLowerBoundSeconds } from '../../../bench/repoint-throttled';
import { distribution, percentile } from '../../../bench/stats';

describe('percentile', () => {
  it('takes the nearest rank', () => {
    // Prepare
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);

    // Act
    const picked = [percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99), percentile([7], 99)];

    // Assess
    expect(picked).toEqual([50, 95, 99, 7]);
  });
});

describe('distribution', () => {
  it('gives seconds, sorted samples and the trial count', () => {
    // Act
    const d = distribution([3100, 2900, 4200]);

    // Assess
    expect(d).toMatchObject({ trials: 3, p50_s: 3.1, max_s: 4.2, min_s: 2.9, samples_s: [2.9, 3.1, 4.2] });
  });
});

describe('repointLowerBoundSeconds', () => {
  it('is what the ReplaceRoute bucket cannot serve from its capacity, at its refill rate', () => {
    // Act
    const bounds = [repointLowerBoundSeconds(40), repointLowerBoundSeconds(100), repointLowerBoundSeconds(500)];

    // Assess
    expect(bounds).toEqual([0, 10, 90]);
  });
});

describe('parseBenchFlags', () => {
  it('keeps the proportions of the published run under --trials', () => {
    // Act
    const full = parseBenchFlags([]);
    const small = parseBenchFlags(['--trials', '10', '--only', 'failover,bundles']);

    // Assess
    expect(full).toMatchObject({ heartbeatTrials: 100, stopTrials: 20, leaveTrials: 20, fastTrials: 30, switchoverTrials: 10, repointSizes: [100, 500] });
    expect(small).toMatchObject({ heartbeatTrials: 10, stopTrials: 2, leaveTrials: 2, fastTrials: 3, switchoverTrials: 3, parts: ['failover', 'bundles'] });
    expect(() => parseBenchFlags(['--only', 'everything'])).toThrow(/--only takes/);
  });
});

describe('distributionSvg', () => {
  it('draws one row per series with a tick per trial', () => {
    // Act
    const svg = distributionSvg('t', [{ label: 'crash', colour: '#c00', distribution: distribution([1000, 2000]) }]);

    // Assess
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/stroke="#c00"/g)).toHaveLength(2);
    expect(svg).toContain('n=2, p50 1 s, p99 2 s');
  });
});
