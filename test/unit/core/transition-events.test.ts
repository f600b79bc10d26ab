import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../src/core/model';
import { COMPLETION_WAIT_MS, dueEvent, transitionKey } from '../../../src/core/transition-events';
import { SimWorld } from '../../../src/sim/sim-world';
import { clusterSpec } from '../../fixtures/specs';

/* Ownership-change events derived from the history the engine records. */

const T0 = 1_700_000_000_000;

function transition(epoch: number, at = T0): HistoryEntry {
  return { at, group: 'app', kind: 'transition', epoch, message: 'failover: node1 → node2', details: { from: 'node1', to: 'node2', reason: 'failover' } };
}

describe('dueEvent', () => {
  it('derives a failover event with the seconds from its transition entry to its phase entry, from a run of the engine', async () => {
    // Prepare
    const world = new SimWorld(clusterSpec());
    await world.run(3);
    world.crash('node1');
    await world.run(6);
    const entries = world.state.history.filter((h) => h.epoch === 2);
    const moved = entries.find((h) => h.kind === 'transition')!;
    const done = entries.find((h) => h.kind === 'phase')!;

    // Act
    const event = dueEvent('prod', moved, { completedAt: done.at, superseded: false, now: done.at });

    // Assess
    expect(event).toEqual({
      key: transitionKey('app', 2),
      at: moved.at,
      detail: { cluster: 'prod', group: 'app', from: 'node1', to: 'node2', epoch: 2, reason: 'failover', seconds: (done.at - moved.at) / 1000 },
    });
    expect(event!.detail.seconds).toBeGreaterThanOrEqual(0);
  });

  it('names no previous owner for the first owner of a group', async () => {
    // Prepare
    const world = new SimWorld(clusterSpec());
    await world.run(3);
    const first = world.state.history.find((h) => h.kind === 'transition' && h.epoch === 1)!;

    // Act
    const event = dueEvent('prod', first, { completedAt: first.at + 250, superseded: false, now: first.at + 250 });

    // Assess
    expect(event?.detail).toMatchObject({ from: null, to: 'node1', reason: 'initial', epoch: 1, seconds: 0.25 });
  });

  it('waits for the completion, then goes out without seconds once the wait is over', () => {
    // Act
    const early = dueEvent('prod', transition(3), { superseded: false, now: T0 + COMPLETION_WAIT_MS - 1 });
    const late = dueEvent('prod', transition(3), { superseded: false, now: T0 + COMPLETION_WAIT_MS });

    // Assess
    expect(early).toBeUndefined();
    expect(late?.detail.seconds).toBeNull();
  });

  it('goes out at once without seconds when a newer transition of the group was recorded', () => {
    // Act
    const event = dueEvent('prod', transition(3), { superseded: true, now: T0 + 1 });

    // Assess
    expect(event?.detail).toMatchObject({ epoch: 3, seconds: null });
  });

  it('derives nothing from other entries or from a transition entry missing its owner', () => {
    // Prepare
    const repair: HistoryEntry = { at: T0, group: 'app', kind: 'repair', epoch: 3, message: 'drift: rtb-1' };
    const broken: HistoryEntry = { ...transition(3), details: { reason: 'failover' } };

    // Act
    const events = [repair, broken].map((entry) => dueEvent('prod', entry, { completedAt: T0, superseded: true, now: T0 + COMPLETION_WAIT_MS }));

    // Assess
    expect(events).toEqual([undefined, undefined]);
  });
});
