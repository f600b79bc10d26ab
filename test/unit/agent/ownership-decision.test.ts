import { describe, expect, it } from 'vitest';
import { decideGroupStep, type GroupRecord, type StepInput } from '../../../src/agent/ownership-decision';

const RETRY_MS = 30_000;
const NOW = 1_000_000;

function step(record: GroupRecord | undefined, status: StepInput['status']) {
  return decideGroupStep({ record, status, me: 'node1', now: NOW, retryMs: RETRY_MS });
}

const active = (epoch: number): GroupRecord => ({ epoch, role: 'active', at: NOW - 1000 });
const standby = (epoch: number): GroupRecord => ({ epoch, role: 'standby', at: NOW - 1000 });
const failed = (epoch: number, agoMs: number): GroupRecord => ({ epoch, role: 'failed', at: NOW - agoMs, failure: 'exit 1' });

describe('decideGroupStep', () => {
  it('does nothing for a group that has no status yet', () => {
    expect(step(undefined, undefined)).toEqual({ kind: 'none', why: 'no-status' });
  });

  it('activates on becoming the owner at a newer epoch, once', () => {
    // Act
    const first = step(undefined, { owner: 'node1', epoch: 1 });
    const fromStandby = step(standby(1), { owner: 'node1', epoch: 2 });
    const again = step(active(2), { owner: 'node1', epoch: 2 });

    // Assess
    expect(first).toEqual({ kind: 'activate', reason: 'became-owner', epoch: 1 });
    expect(fromStandby).toEqual({ kind: 'activate', reason: 'became-owner', epoch: 2 });
    expect(again).toEqual({ kind: 'none', why: 'steady' });
  });

  it('activates again when ownership left and came back while it was not looking (newer epoch, still active)', () => {
    expect(step(active(2), { owner: 'node1', epoch: 4 })).toEqual({ kind: 'activate', reason: 'became-owner', epoch: 4 });
  });

  it('activates again when still the owner at the epoch it stood down at (after a leave or a self-fence)', () => {
    expect(step(standby(3), { owner: 'node1', epoch: 3 })).toEqual({ kind: 'activate', reason: 'still-owner', epoch: 3 });
  });

  it('deactivates once on losing ownership, and only records later epochs', () => {
    // Act
    const lost = step(active(1), { owner: 'node2', epoch: 2 });
    const later = step(standby(2), { owner: 'node2', epoch: 3 });
    const same = step(standby(3), { owner: 'node2', epoch: 3 });

    // Assess
    expect(lost).toEqual({ kind: 'deactivate', reason: 'lost-ownership', epoch: 2 });
    expect(later).toEqual({ kind: 'record', record: { ...standby(2), epoch: 3 } });
    expect(same).toEqual({ kind: 'none', why: 'steady' });
  });

  it('deactivates once on first sight of a group it does not own', () => {
    expect(step(undefined, { owner: 'node2', epoch: 5 })).toEqual({ kind: 'deactivate', reason: 'first-sight', epoch: 5 });
    expect(step(undefined, { owner: null, epoch: 0 })).toEqual({ kind: 'deactivate', reason: 'first-sight', epoch: 0 });
  });

  it('ignores a status older than the newest epoch it acted on', () => {
    expect(step(active(5), { owner: 'node2', epoch: 4 })).toEqual({ kind: 'none', why: 'stale' });
    expect(step(standby(5), { owner: 'node1', epoch: 4 })).toEqual({ kind: 'none', why: 'stale' });
  });

  it('retries a failed activation only after the retry interval, and only while still the owner', () => {
    // Act
    const soon = step(failed(4, RETRY_MS - 1), { owner: 'node1', epoch: 4 });
    const due = step(failed(4, RETRY_MS), { owner: 'node1', epoch: 4 });
    const movedOn = step(failed(4, 10), { owner: 'node2', epoch: 5 });

    // Assess
    expect(soon).toEqual({ kind: 'none', why: 'retry-later' });
    expect(due).toEqual({ kind: 'activate', reason: 'retry', epoch: 4 });
    expect(movedOn).toEqual({ kind: 'deactivate', reason: 'lost-ownership', epoch: 5 });
  });
});
