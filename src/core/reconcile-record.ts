import { errorText, type Logger } from './logger';
import type { Action, ActionOutcome, ClusterSpec, Finding, HistoryEntry } from './model';
import type { GroupPlan } from './plan';
import type { StatePort } from './ports';
import { recordProgress } from './progress';
import type { StatusLedger } from './status-ledger';

/*
 * The recording phases: what the actions did becomes each group's status (repair counts, phase
 * `steady` once converged) and history; findings and outcomes are logged.
 */

/** Commits each acted-on group's progress; returns the history entries and findings of the committed ones. */
export async function commitProgress(
  spec: ClusterSpec,
  plans: ReadonlyMap<string, GroupPlan>,
  outcomes: readonly ActionOutcome[],
  ledger: StatusLedger,
  now: number,
): Promise<{ history: HistoryEntry[]; findings: Finding[] }> {
  const history: HistoryEntry[] = [];
  const findings: Finding[] = [];
  for (const group of spec.groups) {
    const plan = plans.get(group.id);
    if (!plan || !ledger.usable(group.id)) continue;
    const progress = recordProgress(ledger.status(group.id), plan, outcomes.filter((o) => o.action.group === group.id), now);
    findings.push(...progress.findings);
    if (!progress.next) {
      history.push(...progress.history);
      continue;
    }
    // The phase change is recorded with the status that makes it; repairs are appended after.
    const phase = progress.history.filter((h) => h.kind === 'phase');
    if (!(await ledger.commit(group, progress.next, phase))) continue;
    history.push(...progress.history.filter((h) => h.kind !== 'phase'));
  }
  return { history, findings };
}

/** Appends history; a failure is logged, never thrown: the statuses are already committed. */
export async function writeHistory(state: StatePort, entries: readonly HistoryEntry[], log: Logger): Promise<void> {
  if (entries.length === 0) return;
  try {
    await state.appendHistory(entries);
  } catch (error) {
    log.error('history could not be written', { error: errorText(error), entries: entries.length });
  }
}

/** What makes two findings the same finding: its code and what it concerns. */
export function findingKey(finding: Finding): string {
  return [finding.code, finding.group ?? '', finding.node ?? '', finding.resource ?? '', finding.routeTable ?? ''].join('|');
}

/**
 * Logs a finding when it starts and when it ends, not every tick: a condition that persists is
 * one ERROR (or WARN) line and one "resolved" line, so an alarm on error lines means something
 * new happened. `active` carries the open findings from tick to tick.
 */
export function logFindings(findings: readonly Finding[], active: Map<string, Finding>, ledger: StatusLedger, log: Logger, planned = true): void {
  const now = new Map(findings.map((f) => [findingKey(f), f]));
  for (const [key, finding] of now) {
    if (active.has(key)) continue;
    active.set(key, finding);
    const fields = { group: finding.group, node: finding.node, resource: finding.resource, routeTable: finding.routeTable, epoch: epochOf(finding, ledger), code: finding.code };
    if (finding.severity === 'error') log.error(finding.message, fields);
    else log.warn(finding.message, fields);
  }
  // A tick that did not plan (EC2 work still under way) cannot tell that a plan's finding ended.
  if (!planned) return;
  for (const [key, finding] of active) {
    if (now.has(key)) continue;
    active.delete(key);
    log.info(`resolved: ${finding.message}`, { group: finding.group, node: finding.node, resource: finding.resource, routeTable: finding.routeTable, epoch: epochOf(finding, ledger), code: finding.code, resolved: true });
  }
}

function epochOf(finding: Finding, ledger: StatusLedger): number | undefined {
  return finding.group === undefined ? undefined : ledger.statuses.get(finding.group)?.epoch;
}

export function logOutcome(log: Logger, outcome: ActionOutcome): void {
  const a: Action = outcome.action;
  const fields = {
    group: a.group,
    resource: 'resource' in a ? a.resource : undefined,
    epoch: a.epoch,
    action: a.kind,
    reason: a.reason,
    result: outcome.result,
    elapsedMs: outcome.elapsedMs,
    target: a.kind === 'replace-route' ? a.routeTableId : a.kind === 'associate-address' ? a.allocationId : a.instanceId,
  };
  if (outcome.result === 'ok') log.info('action done', fields);
  else if (outcome.result === 'unknown') log.warn(`action outcome unknown, retrying next tick: ${outcome.error}`, fields);
  else log.error(`action failed: ${outcome.code} ${outcome.error}`, fields);
}
