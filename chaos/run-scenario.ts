import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { stringify } from 'yaml';
import { applySpec } from '../src/apply/spec-apply';
import { historyTableName, heartbeatsTableName, resourcesTableName } from '../src/names';
import type { Bundles } from './bundles';
import { checkEpochsAndHistory, checkOwnerKept, checkSplitBrain, checkUntouchable, type Violation } from './checks';
import { chaosClusterConfig } from './cluster-config';
import { clearFaults, injectFault, type FaultRecord } from './faults';
import { Fleet } from './fleet';
import { GROUP, Observer, readEc2, readHistory, readStatuses, type Ec2View } from './observer';
import type { Scenario } from './scenario';
import { restartGraceMs } from './timing';
import type { ChaosWorld } from './world';

/*
 * One scenario: fresh tables, the processes, a settled start (node1 owns the group, EC2 agrees,
 * its hook ran), the faults, the convergence after the last one, a quiet second, then every
 * process stopped and the invariants judged.
 */

export interface ScenarioResult {
  readonly id: string;
  readonly controllers: number;
  readonly faults: readonly FaultRecord[];
  readonly violations: readonly Violation[];
  /** ms from the end of the last fault until EC2 showed all traffic on the owner; undefined if it never did. */
  readonly convergenceMs: number | undefined;
  readonly convergenceBoundMs: number;
  readonly impairedOverlapMs: number;
  readonly liveOverlapMs: number;
  readonly epochs: { readonly start: number; readonly end: number };
  readonly durationMs: number;
  /** ms from the start to a settled start (tables, processes, node1 owning the group). */
  readonly setupMs: number;
  /** Set when the scenario could not even be set up or run (an infrastructure problem, not a verdict). */
  readonly error?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function trafficOn(world: ChaosWorld, view: Ec2View, owner: string | null | undefined): boolean {
  if (owner !== 'node1' && owner !== 'node2') return false;
  const eni = world.demo.ids[owner].eniId;
  return view.vipRoutes.length === 3 && view.vipRoutes.every((t) => t === eni) && view.eipEni === eni;
}

async function ownerNow(world: ChaosWorld, cluster: string): Promise<{ owner: string | null | undefined; epoch: number }> {
  const statuses = await readStatuses(world, cluster);
  return { owner: statuses[0]?.owner, epoch: statuses[0]?.epoch ?? 0 };
}

export interface ScenarioOptions {
  readonly bundles: Bundles;
  readonly boundMs: number;
  readonly log: (line: string) => void;
  /** Checked between steps: a Ctrl-C stops the scenario where it stands. */
  readonly cancelled: () => boolean;
}

export async function runScenario(world: ChaosWorld, scenario: Scenario, options: ScenarioOptions): Promise<ScenarioResult> {
  const began = Date.now();
  const cluster = `chaos-${scenario.seed}-${scenario.index}-${randomBytes(3).toString('hex')}`.slice(0, 48);
  const dir = join(world.dir, cluster);
  const faults: FaultRecord[] = [];
  const violations: Violation[] = [];
  let fleet: Fleet | undefined;
  let observer: Observer | undefined;
  let convergenceMs: number | undefined;
  let epochs = { start: 0, end: 0 };
  let overlap = { impairedOverlapMs: 0, liveOverlapMs: 0 };
  let setupMs = 0;
  const marks: string[] = [];
  const mark = (what: string) => marks.push(`${what} ${Date.now() - began}`);
  const result = (error?: string): ScenarioResult => ({
    id: scenario.id,
    controllers: scenario.controllers,
    faults,
    violations,
    convergenceMs,
    convergenceBoundMs: options.boundMs,
    ...overlap,
    epochs,
    durationMs: Date.now() - began,
    setupMs,
    error,
  });
  try {
    await world.reset();
    const config = chaosClusterConfig(world.demo, cluster);
    const configPath = join(world.dir, `${cluster}.yaml`);
    writeFileSync(configPath, stringify(config));
    mark('reset');
    await applySpec(world.ddb, config, { writer: 'chaos' });
    mark('tables');
    fleet = new Fleet(world, options.bundles, dir, cluster, configPath);
    const f = fleet;
    await Promise.all([f.startAgents(), ...Array.from({ length: scenario.controllers }, (_, i) => f.startController(`controller${i + 1}`))]);
    mark('processes');

    // A settled start: node1 owns the group, EC2 agrees and node1's activate hook ran.
    const settleDeadline = Date.now() + 30_000;
    for (;;) {
      const { owner, epoch } = await ownerNow(world, cluster);
      const view = await readEc2(world);
      const hooked = f.hookRecords().some((r) => r.node === owner && r.role === 'active');
      if (owner === 'node1' && epoch >= 1 && trafficOn(world, view, owner) && hooked) {
        epochs = { start: epoch, end: epoch };
        break;
      }
      if (Date.now() > settleDeadline) throw new Error(`no settled start within 30 s (owner ${owner}, epoch ${epoch}, routes ${view.vipRoutes.join(',')}, eip ${view.eipEni})\n${f.tails()}`);
      await sleep(100);
    }
    mark('settled');
    setupMs = Date.now() - began;
    if (process.env.EC2F_CHAOS_TIMING) options.log(`    ${scenario.id} setup: ${marks.join(', ')}`);
    const baseline = (await readEc2(world)).untouchable;
    const ownerAtStart = 'node1';
    observer = new Observer(world, cluster);

    // The faults, each at its time; EC2 and DynamoDB faults may overlap the next.
    const phaseStart = Date.now();
    await Promise.all(
      scenario.faults.map(async (fault) => {
        await sleep(Math.max(0, phaseStart + fault.atMs - Date.now()));
        if (options.cancelled()) return;
        faults.push(await injectFault({ world, fleet: f, cluster }, fault));
      }),
    );
    faults.sort((a, b) => a.step - b.step);
    const lastEnd = Math.max(...faults.map((x) => x.endedAt), phaseStart);

    // Convergence: EC2 (moto) shows every route and the EIP on the owner DynamoDB names.
    const waitUntil = lastEnd + Math.max(3 * options.boundMs, 20_000);
    for (;;) {
      const [{ owner }, view] = await Promise.all([ownerNow(world, cluster), readEc2(world)]);
      if (trafficOn(world, view, owner)) {
        convergenceMs = Math.max(0, view.at - lastEnd);
        break;
      }
      if (Date.now() > waitUntil || options.cancelled()) break;
      await sleep(100);
    }
    if (convergenceMs === undefined) {
      const view = await readEc2(world);
      violations.push({ invariant: 'convergence', step: faults.at(-1)?.step ?? 0, detail: `not converged ${Date.now() - lastEnd} ms after the last fault (owner ${(await ownerNow(world, cluster)).owner}, routes ${view.vipRoutes.join(',')}, eip ${view.eipEni})` });
    } else if (convergenceMs > options.boundMs) {
      violations.push({ invariant: 'convergence', step: faults.at(-1)?.step ?? 0, detail: `converged ${convergenceMs} ms after the last fault; bound ${options.boundMs} ms` });
    }
    // A quiet second: a stale actor waking late would show here.
    await sleep(1000);
    const end = Date.now();
    const { owner: finalOwner, epoch: finalEpoch } = await ownerNow(world, cluster);
    const finalView = await readEc2(world);
    if (convergenceMs !== undefined && !trafficOn(world, finalView, finalOwner)) {
      violations.push({ invariant: 'convergence', step: faults.at(-1)?.step ?? 0, detail: `traffic left the owner ${finalOwner} after converging (routes ${finalView.vipRoutes.join(',')}, eip ${finalView.eipEni})` });
    }
    epochs = { start: epochs.start, end: finalEpoch };
    await observer.stop();
    // EC2F_CHAOS_DUMP=DIR keeps each scenario's process output there, to read a violation's story.
    if (process.env.EC2F_CHAOS_DUMP) writeFileSync(join(process.env.EC2F_CHAOS_DUMP, `${scenario.id}.log`), f.tails(100_000));
    await f.stop();

    const history = await readHistory(world, cluster);
    const split = checkSplitBrain(f.hookRecords(), f.lifecycle, faults, GROUP, restartGraceMs(), end);
    overlap = { impairedOverlapMs: split.impairedOverlapMs, liveOverlapMs: split.liveOverlapMs };
    violations.push(
      ...split.violations,
      ...checkUntouchable(baseline, [...observer.ec2, finalView], faults),
      ...checkEpochsAndHistory([...observer.statuses, ...(await readStatuses(world, cluster))], history, faults),
      ...checkOwnerKept(faults, ownerAtStart, epochs.start, finalEpoch, history, phaseStart),
    );
    return result();
  } catch (error) {
    options.log(`scenario ${scenario.id}: ${(error as Error).stack ?? error}`);
    return result((error as Error).message.split('\n')[0]);
  } finally {
    await observer?.stop().catch(() => undefined);
    await fleet?.stop().catch(() => undefined);
    await clearFaults(world);
    await Promise.allSettled([resourcesTableName(cluster), heartbeatsTableName(cluster), historyTableName(cluster)].map((t) => world.ddb.send(new DeleteTableCommand({ TableName: t }))));
    rmSync(dir, { recursive: true, force: true });
  }
}
