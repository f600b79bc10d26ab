import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VerdictRecorder, type Verdicts } from '../../../../src/aws/dynamodb/verdict-store';
import { readingOf } from '../../../../src/cli/verdicts';
import { parseClusterConfigText } from '../../../../src/core/config-text';
import { onDemandVerdictMaxAgeMs } from '../../../../src/core/verdict-age';
import type { NodeHealth } from '../../../../src/core/model';

/* The verdicts a steady reconciler writes are never read as stale, and a change is written at once. */

/** The example cluster: two nodes, a tick a second. */
const spec = parseClusterConfigText(readFileSync(join(__dirname, '..', '..', '..', '..', 'examples', 'cluster.yaml'), 'utf8'));

const health = (node2: NodeHealth['state']): ReadonlyMap<string, NodeHealth> =>
  new Map([
    ['node1', { node: 'node1', state: 'healthy', reason: 'heartbeat advancing' }],
    ['node2', { node: 'node2', state: node2, reason: node2 === 'healthy' ? 'heartbeat advancing' : 'heartbeat sequence stalled' }],
  ]);

describe('VerdictRecorder', () => {
  it('rewrites steady verdicts often enough that a running reconciler is never read as stale, and a change at once', async () => {
    // Prepare
    const written: Verdicts[] = [];
    const recorder = new VerdictRecorder({ recordVerdicts: async (verdicts) => void written.push(verdicts) }, 'loop');
    const start = 1_000_000;
    const stale: number[] = [];

    // Act: a tick a second for two minutes; node2 fails at 90 s
    for (let second = 0; second < 120; second++) {
      const at = start + second * 1_000;
      await recorder.record({ at, health: health(second < 90 ? 'healthy' : 'failed'), findings: [], spec });
      // Read just before the next tick, when the recorded verdicts are oldest.
      if (readingOf(written.at(-1), spec, at + 999).kind !== 'fresh') stale.push(second);
    }

    // Assess
    expect(stale).toEqual([]);
    expect(written.length).toBeLessThanOrEqual(120 / 5 + 2);
    expect(written.find((v) => v.at === start + 90_000)?.nodes.node2?.state).toBe('failed');
  });

  it('writes how long the verdicts of an on-demand reconciler stand, so they read fresh until its next scheduled run is late, and stale after', async () => {
    // Prepare: one run a minute, one tick each
    const written: Verdicts[] = [];
    const recorder = new VerdictRecorder({ recordVerdicts: async (verdicts) => void written.push(verdicts) }, 'reconciler', onDemandVerdictMaxAgeMs(60_000));

    // Act
    await recorder.record({ at: 1_000_000, health: health('healthy'), findings: [], spec });

    // Assess: fresh while the next run may yet come (two periods and 10 s), stale once it is overdue
    expect(written[0]!.validForMs).toBe(130_000);
    expect(readingOf(written[0], spec, 1_000_000 + 125_000).kind).toBe('fresh');
    expect(readingOf(written[0], spec, 1_000_000 + 131_000).kind).toBe('stale');
  });
});
