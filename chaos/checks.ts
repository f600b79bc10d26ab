import type { FaultRecord } from './faults';
import type { HookRecord, LifecycleEntry } from './fleet';
import type { Ec2View, HistoryView, StatusView } from './observer';
import { OWNER_KEEPING_KINDS, type NodeName } from './scenario';

/*
 * The invariants, judged from outside the product: hook records and the process lifecycle
 * (split brain), EC2 as moto has it (convergence, nothing else touched), DynamoDB as stored
 * (epochs, history), and the fault log (no ownership change for what the control plane cannot see).
 */

export type InvariantName = 'two-live-active' | 'convergence' | 'untouchable-changed' | 'epoch-regressed' | 'history-missing' | 'history-order' | 'owner-moved-on-unknown';

export interface Violation {
  readonly invariant: InvariantName;
  /** The fault step closest before it (0: none), for the replay line. */
  readonly step: number;
  readonly detail: string;
}

export interface OverlapWindow {
  readonly from: number;
  readonly to: number;
}

interface Interval {
  readonly from: number;
  readonly to: number;
}

function activeIntervals(records: readonly HookRecord[], node: NodeName, group: string, end: number): Interval[] {
  const intervals: Interval[] = [];
  let since: number | undefined;
  for (const r of records) {
    if (r.node !== node || r.group !== group) continue;
    if (r.role === 'active' && since === undefined) since = r.at;
    if (r.role === 'standby' && since !== undefined) {
      intervals.push({ from: since, to: r.at });
      since = undefined;
    }
  }
  if (since !== undefined) intervals.push({ from: since, to: end });
  return intervals;
}

/**
 * Windows in which a node could not deactivate: killed until it is ready again, or frozen until
 * thawed, plus the time its first status poll and hook take after that (`restartGraceMs`): a
 * process that could not run cannot have seen that it lost the group.
 */
function impairedIntervals(lifecycle: readonly LifecycleEntry[], node: NodeName, restartGraceMs: number, end: number): Interval[] {
  const intervals: Interval[] = [];
  let since: number | undefined;
  for (const e of lifecycle) {
    if (e.who !== node) continue;
    if ((e.event === 'killed' || e.event === 'frozen') && since === undefined) since = e.at;
    if (since !== undefined && (e.event === 'ready' || e.event === 'thawed')) {
      intervals.push({ from: since, to: e.at + restartGraceMs });
      since = undefined;
    }
  }
  if (since !== undefined) intervals.push({ from: since, to: end });
  return intervals;
}

function intersect(a: readonly Interval[], b: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of a) for (const y of b) {
    const from = Math.max(x.from, y.from);
    const to = Math.min(x.to, y.to);
    if (to > from) out.push({ from, to });
  }
  return out;
}

function subtract(windows: readonly Interval[], holes: readonly Interval[]): Interval[] {
  let rest = [...windows];
  for (const hole of holes) {
    rest = rest.flatMap((w) => {
      if (hole.to <= w.from || hole.from >= w.to) return [w];
      const parts: Interval[] = [];
      if (hole.from > w.from) parts.push({ from: w.from, to: hole.from });
      if (hole.to < w.to) parts.push({ from: hole.to, to: w.to });
      return parts;
    });
  }
  return rest;
}

const total = (windows: readonly Interval[]) => windows.reduce((sum, w) => sum + (w.to - w.from), 0);

function stepBefore(faults: readonly FaultRecord[], at: number): number {
  return faults.filter((f) => f.startedAt <= at).at(-1)?.step ?? 0;
}

function faultsAround(faults: readonly FaultRecord[], at: number): string {
  const recent = faults.filter((f) => f.startedAt <= at).slice(-2);
  return recent.map((f) => `${f.kind}(${f.hit})`).join(', ') || 'no fault';
}

export interface OverlapResult {
  readonly violations: Violation[];
  /** ms both nodes were active while one of them could not deactivate (crashed or frozen). */
  readonly impairedOverlapMs: number;
  readonly liveOverlapMs: number;
}

export function checkSplitBrain(records: readonly HookRecord[], lifecycle: readonly LifecycleEntry[], faults: readonly FaultRecord[], group: string, restartGraceMs: number, end: number): OverlapResult {
  const a = activeIntervals(records, 'node1', group, end);
  const b = activeIntervals(records, 'node2', group, end);
  const both = intersect(a, b);
  const impaired = [...impairedIntervals(lifecycle, 'node1', restartGraceMs, end), ...impairedIntervals(lifecycle, 'node2', restartGraceMs, end)];
  const live = subtract(both, impaired);
  const violations = live.map((w) => ({
    invariant: 'two-live-active' as const,
    step: stepBefore(faults, w.from),
    detail: `node1 and node2 both active for ${w.to - w.from} ms from ${new Date(w.from).toISOString()} (both agents live and unfrozen; after ${faultsAround(faults, w.from)})`,
  }));
  return { violations, impairedOverlapMs: total(both) - total(live), liveOverlapMs: total(live) };
}

/** Every route and EIP outside the protected ones, as read before the faults, must read the same throughout. */
export function checkUntouchable(baseline: string, views: readonly Ec2View[], faults: readonly FaultRecord[]): Violation[] {
  const changed = views.find((v) => v.untouchable !== baseline);
  if (!changed) return [];
  return [{ invariant: 'untouchable-changed', step: stepBefore(faults, changed.at), detail: `expected "${baseline}", read "${changed.untouchable}"` }];
}

/**
 * Epochs only grow (per resource item, in read order); the history's transitions have strictly
 * increasing epochs in order; every epoch that reached the status has its transition entry.
 */
export function checkEpochsAndHistory(statuses: readonly StatusView[], history: readonly HistoryView[], faults: readonly FaultRecord[]): Violation[] {
  const violations: Violation[] = [];
  const byResource = new Map<string, StatusView[]>();
  for (const s of statuses) if (s.epoch !== undefined) byResource.set(s.resource, [...(byResource.get(s.resource) ?? []), s]);
  for (const [resource, views] of byResource) {
    for (let i = 1; i < views.length; i++) {
      if (views[i]!.epoch! < views[i - 1]!.epoch!) {
        violations.push({ invariant: 'epoch-regressed', step: stepBefore(faults, views[i]!.at), detail: `${resource}: epoch ${views[i - 1]!.epoch} then ${views[i]!.epoch}` });
        break;
      }
    }
  }
  const transitions = history.filter((h) => h.kind === 'transition');
  for (let i = 1; i < transitions.length; i++) {
    if (transitions[i]!.epoch <= transitions[i - 1]!.epoch) {
      violations.push({ invariant: 'history-order', step: stepBefore(faults, transitions[i]!.at), detail: `transition epochs ${transitions[i - 1]!.epoch} then ${transitions[i]!.epoch}` });
    }
  }
  const recorded = new Set(transitions.map((t) => t.epoch));
  const maxEpoch = Math.max(0, ...statuses.map((s) => s.epoch ?? 0));
  for (let epoch = 1; epoch <= maxEpoch; epoch++) {
    if (recorded.has(epoch)) continue;
    const firstSeen = statuses.find((s) => (s.epoch ?? 0) >= epoch);
    violations.push({
      invariant: 'history-missing',
      step: stepBefore(faults, firstSeen?.at ?? Date.now()),
      detail: `epoch ${epoch} reached the status (first read at ${firstSeen ? new Date(firstSeen.at).toISOString() : '?'}) but has no transition in the history (transitions: ${[...recorded].join(', ') || 'none'})`,
    });
  }
  return violations;
}

/** With only faults the control plane cannot see past (and the owner's agent alive and unfrozen), the owner stays. */
export function checkOwnerKept(faults: readonly FaultRecord[], ownerAtStart: string | null | undefined, epochAtStart: number, epochAtEnd: number, history: readonly HistoryView[], faultPhaseStart: number): Violation[] {
  if (faults.length === 0 || !faults.every((f) => OWNER_KEEPING_KINDS.has(f.kind))) return [];
  const moved = history.filter((h) => h.kind === 'transition' && h.epoch > epochAtStart);
  if (moved.length === 0 && epochAtEnd > epochAtStart) {
    return [{ invariant: 'owner-moved-on-unknown', step: faults.at(-1)!.step, detail: `epoch ${epochAtStart} became ${epochAtEnd} with only ${[...new Set(faults.map((f) => f.kind))].join(', ')}` }];
  }
  if (moved.length === 0) return [];
  const first = moved[0]!;
  return [
    {
      invariant: 'owner-moved-on-unknown',
      step: stepBefore(faults, first.at),
      detail: `owner ${ownerAtStart} (epoch ${epochAtStart}) changed: "${first.message}" at epoch ${first.epoch}, ${first.at - faultPhaseStart} ms into the faults, with only ${[...new Set(faults.map((f) => f.kind))].join(', ')}`,
    },
  ];
}
