import { abortableSleep } from '../core/abortable-sleep';
import type { ClusterSpec } from '../core/model';
import type { CommandIo } from './cli-io';
import { cloudReader, interruptSignal, type CloudReader } from './cloud-reader';
import { readClusterConfig } from './cluster-config';
import type { ClusterContext } from './cluster-context';
import { columns, stylesFor, table, type Styles } from './output';
import { statusView, transitionsBetween, type GroupView, type ResourceView, type StatusView } from './status-view';
import { readingOf } from './verdicts';

/*
 * `ec2-failover status --config FILE [--json] [--watch [--interval S]] [--no-ec2]`: per group the
 * owner, epoch, phase and whether it serves (and why not); per node the verdict the reconciler
 * recorded on its last tick; per resource what EC2 says now, read live. Heartbeat ages use the
 * agents' clocks: informative only, the control plane judges by the sequence advancing.
 */

export interface StatusOptions {
  readonly config: string;
  readonly json?: boolean | undefined;
  readonly watch?: boolean | undefined;
  readonly interval?: number | undefined;
  /** false with `--no-ec2`. */
  readonly ec2?: boolean | undefined;
}

/** One snapshot: DynamoDB and EC2 read side by side. */
export async function readStatus(
  context: ClusterContext,
  readCloud: CloudReader | Promise<CloudReader> | undefined,
  now: () => number = Date.now,
): Promise<StatusView> {
  const [statuses, verdicts, beats, observation] = await Promise.all([
    context.state.readStatuses(),
    context.verdicts.readVerdicts(),
    context.heartbeats.readHeartbeats(),
    // The EC2 client may still be loading: DynamoDB is read meanwhile.
    readCloud === undefined ? undefined : Promise.resolve(readCloud).then((read) => read()),
  ]);
  const at = now();
  return statusView({
    spec: context.spec,
    region: context.region,
    statuses,
    verdicts: readingOf(verdicts, context.spec, at),
    heartbeats: beats.beats,
    observation,
    now: at,
  });
}

const SERVING_TEXT = { yes: 'serving', no: 'NOT SERVING', unknown: 'serving?' } as const;

function servingText(styles: Styles, group: GroupView): string {
  const text = SERVING_TEXT[group.serving];
  return group.serving === 'yes' ? styles.green(text) : group.serving === 'no' ? styles.red(text) : styles.yellow(text);
}

function markText(styles: Styles, mark: string): string {
  if (mark === 'unowned') return styles.dim('(no owner yet)');
  return mark === 'ok' ? styles.green(mark) : styles.red(mark.toUpperCase());
}

function resourceRows(styles: Styles, r: ResourceView): string[][] {
  if (r.unknown !== undefined) return [[r.resource, r.mode, r.address, '', styles.yellow(`unknown: ${r.unknown}`)]];
  if (r.routes) {
    if (r.routes.length === 0) return [[r.resource, r.mode, r.address, '', styles.red('no route table holds it')]];
    return r.routes.map((route) => [r.resource, r.mode, r.address, route.routeTableId, `→ ${route.targetNode ?? route.target ?? '-'}${route.targetNode && route.target ? ` (${route.target})` : ''}  ${markText(styles, route.mark)}`]);
  }
  const a = r.association!;
  if (a.mark === 'missing') return [[r.resource, r.mode, r.address, '', styles.red('ALLOCATION MISSING')]];
  return [[r.resource, r.mode, r.address, a.eni ? 'associated' : 'not associated', `→ ${a.node ?? a.eni ?? '-'}${a.node && a.eni ? ` (${a.eni}${a.privateIp ? ` ${a.privateIp}` : ''})` : ''}  ${markText(styles, a.mark)}`]];
}

export function renderStatus(view: StatusView, styles: Styles): string {
  const out: string[] = [];
  const verdictLine =
    view.verdicts.state === 'none'
      ? styles.yellow('no verdict recorded: is a reconciler running?')
      : `reconciler verdict ${view.verdicts.ageSeconds!.toFixed(1)}s old by ${view.verdicts.holder}${view.verdicts.state === 'stale' ? styles.yellow(' (STALE: is a reconciler running?)') : ''}`;
  out.push(`cluster ${view.cluster} (${view.region}) at ${new Date(view.at).toISOString()}; ${verdictLine}`, '', styles.bold('groups'));
  const groupRows = view.groups.map((g) => [g.group, `owner ${g.owner ?? '-'}`, `epoch ${g.epoch}`, g.phase, servingText(styles, g)]);
  out.push(table(styles, ['GROUP', 'OWNER', 'EPOCH', 'PHASE', 'SERVING'], groupRows).trimEnd());
  for (const g of view.groups) {
    const details = [
      ...g.notes,
      ...g.excluded.map((e) => `excluded ${e.node}: ${e.why}`),
      ...g.ineligible.map((i) => `ineligible ${i.node}: ${i.state} (${i.reason})`),
      ...(g.pendingRequest ? [`pending ${g.pendingRequest.kind} request ${g.pendingRequest.id}${g.pendingRequest.by ? ` by ${g.pendingRequest.by}` : ''}`] : []),
      ...(g.lastTransition ? [`last: ${g.lastTransition.reason} ${g.lastTransition.from ?? '-'} → ${g.lastTransition.to} at ${new Date(g.lastTransition.at).toISOString()}`] : []),
    ];
    for (const line of details) out.push(`    ${g.group}: ${line}`);
  }
  out.push('', styles.bold('nodes'));
  const nodeRows = view.nodes.map((n) => {
    const verdict = n.verdict ? `${n.verdict.state === 'healthy' ? styles.green(n.verdict.state) : n.verdict.state === 'failed' ? styles.red(n.verdict.state) : styles.yellow(n.verdict.state)}: ${n.verdict.reason}` : styles.yellow('no verdict');
    const beat = n.heartbeat ? `seq ${n.heartbeat.seq}, ${n.heartbeat.ageSeconds.toFixed(1)}s ago${n.heartbeat.leaving ? ', LEAVING' : ''}${n.heartbeat.failingChecks.length > 0 ? `, failing: ${n.heartbeat.failingChecks.join(',')}` : ''}` : 'no heartbeat';
    return [n.node, n.instanceId, n.instanceState ?? '-', verdict, beat];
  });
  out.push(table(styles, ['NODE', 'INSTANCE', 'STATE', 'VERDICT', 'HEARTBEAT'], nodeRows).trimEnd());
  out.push('', styles.bold('resources'));
  out.push(table(styles, ['RESOURCE', 'MODE', 'ADDRESS', 'WHERE', 'TARGET'], view.resources.flatMap((r) => resourceRows(styles, r))).trimEnd());
  return `${out.join('\n')}\n`;
}

async function openStatus(options: StatusOptions): Promise<{ context: ClusterContext; readCloud: Promise<CloudReader> | undefined; spec: ClusterSpec }> {
  const spec = readClusterConfig(options.config, 'status');
  const { clusterContextFor } = await import('./cluster-context');
  const context = clusterContextFor(spec);
  const readCloud = options.ec2 === false ? undefined : cloudReader(spec, context.region);
  return { context, readCloud, spec };
}

export async function runStatus(options: StatusOptions, io: CommandIo): Promise<number> {
  const { context, readCloud } = await openStatus(options);
  const styles = stylesFor(io.stdout);
  if (!options.watch) {
    const view = await readStatus(context, readCloud);
    io.stdout.write(options.json ? `${JSON.stringify(view, null, 2)}\n` : renderStatus(view, styles));
    return 0;
  }
  return watch(context, readCloud, options, io, styles);
}

/**
 * Refreshes until interrupted. On a terminal the view is redrawn in place with the latest
 * transitions under it; elsewhere the first view is printed, then one line per transition.
 */
async function watch(context: ClusterContext, readCloud: Promise<CloudReader> | undefined, options: StatusOptions, io: CommandIo, styles: Styles): Promise<number> {
  const interrupt = interruptSignal(io.signal);
  const intervalMs = (options.interval ?? 2) * 1000;
  const recent: string[] = [];
  let previous: StatusView | undefined;
  try {
    while (!interrupt.signal.aborted) {
      let view: StatusView;
      try {
        view = await readStatus(context, readCloud);
      } catch (error) {
        io.stderr.write(`${new Date().toISOString()}  ${(error as Error).message}\n`);
        await abortableSleep(intervalMs, interrupt.signal);
        continue;
      }
      const stamp = new Date(view.at).toISOString();
      const changes = previous ? transitionsBetween(previous, view).map((line) => `${stamp}  ${line}`) : [];
      if (options.json) io.stdout.write(`${JSON.stringify({ ...view, transitions: changes })}\n`);
      else if (styles.terminal) {
        recent.push(...changes);
        recent.splice(0, Math.max(0, recent.length - 10));
        io.stdout.write(`\u001b[H\u001b[2J${renderStatus(view, styles)}\n${styles.bold('transitions')}\n${recent.length > 0 ? columns(recent.map((l) => [l]), '  ') : '  (none yet)'}\n`);
      } else if (previous === undefined) io.stdout.write(renderStatus(view, styles));
      else for (const line of changes) io.stdout.write(`${line}\n`);
      previous = view;
      await abortableSleep(intervalMs, interrupt.signal);
    }
    return 0;
  } finally {
    interrupt.dispose();
  }
}
