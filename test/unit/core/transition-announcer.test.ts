import { describe, expect, it } from 'vitest';
import type { MetricsSink } from '../../../src/core/loop-metrics';
import type { GroupSpec, GroupStatus, HistoryEntry } from '../../../src/core/model';
import { initialStatus } from '../../../src/core/model';
import type { CommitResult, RejectedTransitionEvent, StatePort, TransitionEvents } from '../../../src/core/ports';
import { LOOKBACK_MS, TransitionAnnouncer } from '../../../src/core/transition-announcer';
import type { TransitionEvent } from '../../../src/core/transition-events';

/* The outbox of ownership-change events: what is recorded, what is sent, what is sent again. */

const T0 = 1_700_000_000_000;
const GROUP: GroupSpec = { id: 'app', resourceIds: ['vip'], nodesByPriority: ['node1', 'node2'], switchback: 'intelligent', fencing: 'none', switchbackDwellSeconds: 60 };
const FENCE = { holder: 'test', token: 1 };

function moved(epoch: number, at: number, from: string | null, to: string): HistoryEntry[] {
  return [
    { at, group: 'app', kind: 'transition', epoch, message: `failover: ${from} → ${to}`, details: { from, to, reason: 'failover' } },
    { at: at + 800, group: 'app', kind: 'phase', epoch, message: `every route and Elastic IP of the group is on ${to}` },
  ];
}

/** A bus that answers each call with the next scripted answer (then accepts everything), keeping what it accepted. */
class ScriptedBus implements TransitionEvents {
  readonly accepted: TransitionEvent[] = [];
  calls = 0;
  constructor(private readonly script: Array<'down' | ((events: readonly TransitionEvent[]) => string[])> = []) {}

  async publish(events: readonly TransitionEvent[]): Promise<readonly RejectedTransitionEvent[]> {
    this.calls += 1;
    const answer = this.script.shift();
    if (answer === 'down') throw new Error('EC2F-N001 PutEvents failed: ServiceUnavailableException (HTTP 503): try again');
    const refused = new Set(answer ? answer(events) : []);
    this.accepted.push(...events.filter((e) => !refused.has(e.key)));
    return [...refused].map((key) => ({ key, error: 'InternalFailure: try again' }));
  }
}

function counter() {
  const counts: Record<string, number> = {};
  const sink: MetricsSink = { count: (name, value) => void (counts[name] = (counts[name] ?? 0) + value), seconds: () => undefined };
  return { sink, counts };
}

function logLines() {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

const tick = (at: number, statuses: ReadonlyMap<string, GroupStatus> = new Map()) => ({ at, statuses });

describe('TransitionAnnouncer', () => {
  it('announces a transition only once its commit succeeded, with the entries it was committed with', async () => {
    // Prepare
    const results: CommitResult[] = ['conflict', 'committed', 'committed'];
    const state: StatePort = { read: async () => ({ spec: undefined as never, statuses: new Map() }), commitStatus: async () => results.shift()!, appendHistory: async () => undefined };
    const bus = new ScriptedBus();
    const announcer = new TransitionAnnouncer({ cluster: 'prod', events: bus });
    const watched = announcer.watch(state);
    const next = { ...initialStatus('app'), owner: 'node2', epoch: 2, version: 1 };

    // Act
    await watched.commitStatus(GROUP, next, FENCE, moved(2, T0, 'node1', 'node2').slice(0, 1));
    await announcer.afterTick(tick(T0 + 1000));
    const afterConflict = bus.accepted.length;
    await watched.commitStatus(GROUP, next, FENCE, moved(3, T0 + 2000, 'node1', 'node2').slice(0, 1));
    await watched.commitStatus(GROUP, { ...next, phase: 'steady' }, FENCE, moved(3, T0 + 2000, 'node1', 'node2').slice(1));
    await announcer.afterTick(tick(T0 + 3000));

    // Assess
    expect(afterConflict).toBe(0);
    expect(bus.accepted.map((e) => e.detail)).toEqual([{ cluster: 'prod', group: 'app', from: 'node1', to: 'node2', epoch: 3, reason: 'failover', seconds: 0.8 }]);
  });

  it('keeps events the bus did not take (a failed call, a refused entry) and sends each again until delivered, counting and logging the failure once', async () => {
    // Prepare
    const bus = new ScriptedBus(['down', (events) => [events[0]!.key]]);
    const { sink, counts } = counter();
    const { lines, logger } = logLines();
    const announcer = new TransitionAnnouncer({ cluster: 'prod', events: bus, metrics: sink, logger });
    announcer.record([...moved(2, T0, 'node1', 'node2'), ...moved(3, T0 + 5000, 'node2', 'node1')]);

    // Act
    await announcer.afterTick(tick(T0 + 6000));
    const afterOutage = bus.accepted.length;
    await announcer.afterTick(tick(T0 + 7000));
    const afterRefusal = bus.accepted.map((e) => e.detail.epoch);
    await announcer.afterTick(tick(T0 + 8000));

    // Assess
    expect(afterOutage).toBe(0);
    expect(afterRefusal).toEqual([3]);
    expect(bus.accepted.map((e) => e.detail.epoch).sort()).toEqual([2, 3]);
    expect(announcer.undelivered).toEqual([]);
    expect(counts.TransitionEventFailures).toBe(3);
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.fields?.code)).toEqual(['EC2F-N001']);
    expect(lines.filter((l) => l.fields?.resolved === true)).toHaveLength(1);
  });

  it('never sends an event again in this process once delivered, even when its entries are recorded again', async () => {
    // Prepare
    const bus = new ScriptedBus();
    const announcer = new TransitionAnnouncer({ cluster: 'prod', events: bus });
    announcer.record(moved(2, T0, 'node1', 'node2'));
    await announcer.afterTick(tick(T0 + 1000));

    // Act
    announcer.record(moved(2, T0, 'node1', 'node2'));
    await announcer.afterTick(tick(T0 + 2000));
    await announcer.flush(T0 + 3000);

    // Assess
    expect(bus.accepted.map((e) => e.key)).toEqual(['app#2']);
    expect(bus.calls).toBe(1);
  });

  it('picks up a recent transition another holder recorded from the history, and leaves older ones alone', async () => {
    // Prepare
    const bus = new ScriptedBus();
    const reads: { group: string; since: number }[] = [];
    const history = { readHistory: async (query: { group: string; since: number }) => (reads.push(query), moved(5, T0, 'node1', 'node2')) };
    const announcer = new TransitionAnnouncer({ cluster: 'prod', events: bus, history });
    const status = (epoch: number, at: number): GroupStatus => ({ ...initialStatus('app'), owner: 'node2', epoch, version: 9, lastTransition: { at, from: 'node1', to: 'node2', reason: 'failover', epoch, detail: '' } });

    // Act
    await announcer.afterTick(tick(T0 + LOOKBACK_MS + 1000, new Map([['app', status(4, T0 - 1000)]])));
    const afterOld = reads.length;
    await announcer.afterTick(tick(T0 + 2000, new Map([['app', status(5, T0)]])));
    await announcer.afterTick(tick(T0 + 3000, new Map([['app', status(5, T0)]])));

    // Assess
    expect(afterOld).toBe(0);
    expect(reads).toEqual([{ group: 'app', since: T0 + 2000 - LOOKBACK_MS }]);
    expect(bus.accepted.map((e) => e.detail)).toEqual([{ cluster: 'prod', group: 'app', from: 'node1', to: 'node2', epoch: 5, reason: 'failover', seconds: 0.8 }]);
  });

  it('sends one batch at a time: a tick while a send hangs starts no second one', async () => {
    // Prepare
    let release: () => void = () => undefined;
    let calls = 0;
    const hanging: TransitionEvents = { publish: () => ((calls += 1), new Promise((resolve) => (release = () => resolve([])))) };
    const announcer = new TransitionAnnouncer({ cluster: 'prod', events: hanging });
    announcer.record(moved(2, T0, 'node1', 'node2'));

    // Act
    const first = announcer.afterTick(tick(T0 + 1000));
    const second = announcer.afterTick(tick(T0 + 2000));
    while (calls === 0) await new Promise((resolve) => setImmediate(resolve));
    release();
    await Promise.all([first, second]);

    // Assess
    expect(calls).toBe(1);
    expect(announcer.undelivered).toEqual([]);
  });
});
