import { describe, expect, it } from 'vitest';
import type { StoredHistoryEntry } from '../../../src/aws/dynamodb/history-store';
import { explainHistory } from '../../../src/cli/history-command';

/* Who and how long, from the entries themselves: the request names its asker, the phase entry ends a move. */

const entry = (at: number, kind: StoredHistoryEntry['kind'], message: string, details?: Record<string, unknown>, epoch = 1): StoredHistoryEntry => ({
  seq: String(at),
  at,
  group: 'db',
  kind,
  epoch,
  message,
  details,
});

describe('explainHistory', () => {
  it('lists newest first; a request names who asked and how long until served; the move is the reconciler\'s, for the asker, until steady', () => {
    // Prepare
    const entries = [
      entry(1_000, 'transition', 'initial: (none) → node1: best-priority healthy member'),
      entry(1_400, 'phase', 'every route and Elastic IP of the group is on node1 in 0.4s'),
      entry(5_000, 'request', 'switchover to node2 requested by arn:aws:iam::1:user/alice (ab12cd34)', { requestId: 'ab12cd34', by: 'arn:aws:iam::1:user/alice' }),
      entry(5_300, 'transition', 'switchover: node1 → node2: requested by operator (ab12cd34)', { from: 'node1', to: 'node2' }, 2),
      entry(6_100, 'phase', 'every route and Elastic IP of the group is on node2 in 0.8s', undefined, 2),
      entry(7_000, 'maintenance', 'maintenance on requested by bob@host (ee00ff11)', { requestId: 'ee00ff11', by: 'bob@host' }, 2),
      entry(7_200, 'maintenance', 'maintenance entered: observe only', { requestId: 'ee00ff11', enabled: true }, 2),
    ];

    // Act
    const lines = explainHistory(entries);

    // Assess
    expect(lines.map((l) => [l.at, l.by, l.tookMs])).toEqual([
      [7_200, 'reconciler, for bob@host', undefined],
      [7_000, 'bob@host', 200],
      [6_100, 'reconciler', undefined],
      [5_300, 'reconciler, for arn:aws:iam::1:user/alice', 800],
      [5_000, 'arn:aws:iam::1:user/alice', 300],
      [1_400, 'reconciler', undefined],
      [1_000, 'reconciler', 400],
    ]);
  });
});
