import { OWNERSHIP_CHANGED_MESSAGE } from '../names';
import type { Logger } from './logger';
import type { ClusterSpec, Finding, HistoryEntry, NodeHealth, NodeId, Transition } from './model';
import { decideOwnership } from './ownership';
import type { StatusLedger } from './status-ledger';

/*
 * The decide and commit phases: for each group, who owns it next (a pure decision), committed by
 * conditional write. A group whose write loses is left alone this tick; once fenced, no further
 * group is decided.
 */

export interface Decisions {
  readonly transitions: readonly Transition[];
  /** Entries of decisions that changed no status (written with the commit otherwise). */
  readonly history: readonly HistoryEntry[];
  readonly findings: readonly Finding[];
}

export async function decideAndCommit(
  spec: ClusterSpec,
  health: ReadonlyMap<NodeId, NodeHealth>,
  ineligible: ReadonlyMap<string, ReadonlyMap<NodeId, string>>,
  ledger: StatusLedger,
  now: number,
  log: Logger,
): Promise<Decisions> {
  const transitions: Transition[] = [];
  const history: HistoryEntry[] = [];
  const findings: Finding[] = [];
  for (const group of spec.groups) {
    if (ledger.fenced) break;
    const decision = decideOwnership({ group, status: ledger.status(group.id), health, tunables: spec.defaults.tunables, now, ineligible: ineligible.get(group.id) });
    findings.push(...decision.findings);
    // The decision's history goes in the commit's transaction; without a commit there is none to write.
    if (decision.next && !(await ledger.commit(group, decision.next, decision.history))) continue;
    if (!decision.next) history.push(...decision.history);
    if (decision.transition) {
      transitions.push(decision.transition);
      const { epoch, from, to, reason, detail } = decision.transition;
      log.info(OWNERSHIP_CHANGED_MESSAGE, { group: group.id, epoch, from, to, reason, detail });
    }
  }
  return { transitions, history, findings };
}
