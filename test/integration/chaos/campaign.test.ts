import { afterAll, describe, expect, it } from 'vitest';
import { startCampaign, type Campaign } from '../../../chaos/campaign';
import { summaryLines } from '../../../chaos/report';
import { FAULT_KINDS, type FaultKind } from '../../../chaos/scenario';
import { convergenceBoundMs } from '../../../chaos/timing';

/*
 * A short fault campaign (npm run chaos) with real agents and controllers in a local world of
 * its own, drawing from every fault kind. The convergence bound is the campaign's own (derived
 * from the profile) plus that bound again as slack, for a loaded machine.
 */

const KINDS: readonly FaultKind[] = FAULT_KINDS;

let campaign: Campaign | undefined;

afterAll(async () => {
  campaign?.cancel();
  await campaign?.done.catch(() => undefined);
});

describe('fault campaign (short)', () => {
  it('finds no violation in a few seeded scenarios with real processes', async () => {
    const lines: string[] = [];
    campaign = startCampaign({ seed: 20_150, scenarios: 3, kinds: KINDS, maxFaults: 2, boundSlackMs: convergenceBoundMs(), log: (line) => lines.push(line) });
    const result = await campaign.done;
    const summary = summaryLines(result);
    const report = [...lines, ...summary].join('\n');
    expect(result.scenarios.filter((s) => s.error), report).toEqual([]);
    expect(result.scenarios.flatMap((s) => s.violations), report).toEqual([]);
    expect(result.scenarios.length).toBe(3);
    expect(summary.at(-1)).toMatch(/^chaos: 3 scenarios, \d+ faults, 0 violations$/);
  }, 300_000);
});
