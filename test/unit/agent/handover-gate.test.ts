import { describe, expect, it } from 'vitest';
import { judgeHandover, type HandoverInput, type PeerView } from '../../../src/agent/handover-gate';
import type { GroupReport, Heartbeat, ReleaseBounds } from '../../../src/core/model';

function beat(report: GroupReport | undefined, extra: { leaving?: boolean; release?: ReleaseBounds } = {}): Heartbeat {
  return {
    instanceId: 'i-0000000000000001',
    seq: 7,
    sentAt: 0,
    leaving: extra.leaving ?? false,
    checks: [],
    groups: report ? { db: report } : {},
    release: extra.release ?? { deactivateMs: 2000 },
  };
}

function input(peers: PeerView[], extra: Partial<HandoverInput> = {}): HandoverInput {
  return { group: 'db', epoch: 5, previousOwner: 'node1', previousSilent: false, peers, waitedMs: 0, ackMs: 4000, ...extra };
}

const stateOf = (i: HandoverInput, node = 'node1') => judgeHandover(i).peers.get(node);

describe('judgeHandover', () => {
  it('waits while the previous owner still reports itself active', () => {
    // Prepare
    const i = input([{ node: 'node1', liveness: 'unknown', beat: beat({ epoch: 4, role: 'active' }) }], { waitedMs: 500 });

    // Act
    const verdict = judgeHandover(i);

    // Assess
    expect(verdict.clear).toBe(false);
    expect(verdict.peers.get('node1')).toEqual({ kind: 'wait', why: 'reports active at epoch 4; watching its heartbeat' });
  });

  it('clears once the previous owner reports standby at the new epoch', () => {
    expect(judgeHandover(input([{ node: 'node1', liveness: 'unknown', beat: beat({ epoch: 5, role: 'standby' }) }])).clear).toBe(true);
  });

  it('does not take a standby at an older epoch from the previous owner: it may still act on that status', () => {
    expect(stateOf(input([{ node: 'node1', liveness: 'unknown', beat: beat({ epoch: 4, role: 'standby' }) }], { waitedMs: 100 }))?.kind).toBe('wait');
  });

  it('takes a standby at any epoch from a member that is leaving or was not the owner', () => {
    expect(judgeHandover(input([{ node: 'node1', liveness: 'unknown', beat: beat({ epoch: 4, role: 'standby' }, { leaving: true }) }])).clear).toBe(true);
    expect(judgeHandover(input([{ node: 'node3', liveness: 'unknown', beat: beat({ epoch: 2, role: 'standby' }) }])).clear).toBe(true);
    expect(judgeHandover(input([{ node: 'node3', liveness: 'unknown', beat: undefined }])).clear).toBe(true);
  });

  it('waits for a releasing owner as long as the deactivation bound it states, then treats it as gone', () => {
    const releasing = (waitedMs: number) => input([{ node: 'node1', liveness: 'unknown', beat: beat({ epoch: 5, role: 'releasing' }, { release: { deactivateMs: 2000 } }) }], { waitedMs });
    expect(stateOf(releasing(5999))?.kind).toBe('wait');
    expect(stateOf(releasing(6000))?.kind).toBe('unconfirmed');
  });

  it('does not wait for a silent previous owner without self-fencing, and says so', () => {
    // Prepare
    const i = input([{ node: 'node1', liveness: 'unknown', beat: beat({ epoch: 4, role: 'active' }) }], { previousSilent: true });

    // Act
    const verdict = judgeHandover(i);

    // Assess
    expect(verdict.clear).toBe(true);
    expect(verdict.peers.get('node1')?.kind).toBe('unconfirmed');
  });

  it('waits out the self-fencing bound of a silent previous owner', () => {
    const silent = (waitedMs: number) =>
      input([{ node: 'node1', liveness: 'unknown', beat: beat({ epoch: 4, role: 'active' }, { release: { deactivateMs: 1000, fenceMs: 9000 } }) }], { previousSilent: true, waitedMs });
    expect(judgeHandover(silent(8999)).clear).toBe(false);
    expect(stateOf(silent(9000))).toMatchObject({ kind: 'clear' });
  });

  it('treats a previous owner with no heartbeat to read as gone after the answer time', () => {
    const quiet = (waitedMs: number) => input([{ node: 'node1', liveness: 'unknown', beat: undefined }], { waitedMs });
    expect(stateOf(quiet(3999))?.kind).toBe('wait');
    expect(stateOf(quiet(4000))?.kind).toBe('unconfirmed');
  });

  it('waits for an owner that is alive but busy with other hooks past the answer time, up to the bound it states', () => {
    // Prepare: its heartbeat advances, its report still says active
    const busy = (waitedMs: number) =>
      input([{ node: 'node1', liveness: 'advancing', beat: beat({ epoch: 4, role: 'active' }, { release: { deactivateMs: 20_000 } }) }], { waitedMs });

    // Assess
    expect(stateOf(busy(10_000))?.kind).toBe('wait');
    expect(stateOf(busy(24_000))?.kind).toBe('unconfirmed');
  });

  it('takes an owner whose heartbeat stopped for a window as gone, and one not yet judged as held', () => {
    const owner = (liveness: 'stalled' | 'unknown') => input([{ node: 'node1', liveness, beat: beat({ epoch: 4, role: 'active' }) }], { waitedMs: 100 });
    expect(stateOf(owner('stalled'))?.kind).toBe('unconfirmed');
    expect(stateOf(owner('unknown'))?.kind).toBe('wait');
  });

  it('does not take a silent previous owner as gone once its heartbeat is seen advancing again (its agent restarted)', () => {
    const i = input([{ node: 'node1', liveness: 'advancing', beat: beat({ epoch: 4, role: 'active' }) }], { previousSilent: true, waitedMs: 100 });
    expect(stateOf(i)?.kind).toBe('wait');
  });

  it('waits for a member still deactivating for an older epoch (a chained handover)', () => {
    const i = input([{ node: 'node3', liveness: 'unknown', beat: beat({ epoch: 4, role: 'releasing' }, { release: { deactivateMs: 20_000 } }) }], { waitedMs: 10_000 });
    expect(stateOf(i, 'node3')?.kind).toBe('wait');
  });

  it('reads a report for a group named like an object property as no report', () => {
    const i = { ...input([{ node: 'node3', liveness: 'unknown', beat: beat(undefined) }]), group: 'constructor' };
    expect(stateOf(i, 'node3')?.kind).toBe('clear');
  });

  it('waits for every member that may serve, not only the previous owner', () => {
    // Prepare: node3 owned the group two epochs ago and still says active.
    const i = input([
      { node: 'node1', liveness: 'unknown', beat: beat({ epoch: 5, role: 'standby' }) },
      { node: 'node3', liveness: 'unknown', beat: beat({ epoch: 3, role: 'active' }) },
    ], { waitedMs: 100 });

    // Act
    const verdict = judgeHandover(i);

    // Assess
    expect(verdict.clear).toBe(false);
    expect(verdict.peers.get('node1')?.kind).toBe('clear');
    expect(verdict.peers.get('node3')?.kind).toBe('wait');
  });
});
