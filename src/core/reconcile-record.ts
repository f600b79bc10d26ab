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

export function logFindings(findings: readonly Finding[], ledger: StatusLedger, log: Logger): void {
  for (const finding of findings) {
    const epoch = finding.group === undefined ? undefined : ledger.statuses.get(finding.group)?.epoch;
    const fields = { group: finding.group, node: finding.node, resource: finding.resource, epoch, code: finding.code };
    if (finding.severity === 'error') log.error(finding.message, fields);
    else log.warn(finding.message, fields);
  }
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
