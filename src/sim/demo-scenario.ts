import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseClusterConfigText } from '../core/config-text';
import type { HistoryEntry } from '../core/model';
import { SimWorld } from './sim-world';

/*
 * The scripted failover that `npm start` shows: the README's example cluster in the in-memory
 * world on a simulated clock. node1 crashes, both groups fail over to node2, node1 returns;
 * the intelligent group stays on node2 while the automatic one switches back after its dwell
 * time; finally an operator switches the intelligent group back.
 */

export const EXAMPLE_CONFIG_PATH = join(__dirname, '..', '..', 'examples', 'cluster.yaml');

export interface DemoResult {
  readonly lines: string[];
  readonly world: SimWorld;
}

export async function runDemoScenario(write: (line: string) => void = () => {}): Promise<DemoResult> {
  const spec = parseClusterConfigText(readFileSync(EXAMPLE_CONFIG_PATH, 'utf8'), EXAMPLE_CONFIG_PATH);
  const world = new SimWorld(spec, { extraRoutes: { 'rtb-0abc1234b': { '10.1.0.20/32': 'eni-0ccc3333' } } });
  const lines: string[] = [];
  const emit = (line: string) => {
    lines.push(line);
    write(line);
  };
  let printed = 0;
  const flushHistory = () => {
    for (const entry of world.state.history.slice(printed)) emit(formatEntry(world, entry));
    printed = world.state.history.length;
  };
  const step = async (narration: string | undefined, seconds: number) => {
    if (narration) emit(`${world.clock.elapsedSince(world.start)}  ▶ ${narration}`);
    await world.run(seconds, 100, flushHistory);
    flushHistory();
  };
  const where = () => {
    const vip = (['rtb-0abc1234a', 'rtb-0abc1234b'] as const).map((t) => `${t}:${world.cloud.routeTarget(t, '10.1.0.10/32')}`).join(' ');
    const eip = world.cloud.addresses.get('eipalloc-0abc1234')?.networkInterfaceId;
    emit(
      `${world.clock.elapsedSince(world.start)}  ● owners db=${world.ownerOf('db')} web-eip=${world.ownerOf('web-eip')} | 10.1.0.10/32 ${vip} | EIP → ${eip} | 10.1.0.20/32 → ${world.cloud.routeTarget('rtb-0abc1234b', '10.1.0.20/32')} (not ours)`,
    );
  };

  emit(`ec2-failover in-memory simulation of ${EXAMPLE_CONFIG_PATH} (cluster ${spec.cluster}); simulated time`);
  emit(`heartbeat every ${spec.defaults.heartbeat.intervalSeconds}s, failed after ${spec.defaults.heartbeat.missedBeats} missed; judged every ${spec.defaults.checkIntervalSeconds}s`);
  await step('both agents start heartbeating', 5);
  where();
  await step('an operator points rtb-0abc1234a at the wrong ENI by hand (drift)', 0);
  world.cloud.editRoute('rtb-0abc1234a', '10.1.0.10/32', 'eni-89abcdef');
  await step(undefined, spec.defaults.driftCheckIntervalSeconds + 1);
  where();
  const crashAt = world.clock.now();
  await step('node1 crashes: its agent stops heartbeating', 0);
  world.crash('node1');
  await step(undefined, 8);
  const moved = world.reports.find((r) => r.transitions.some((t) => t.reason === 'failover'));
  if (moved) emit(`${world.clock.elapsedSince(world.start)}  ◆ failover detected and traffic moved ${((moved.at - crashAt) / 1000).toFixed(1)}s after the crash`);
  where();
  await step('node1 comes back and heartbeats again', 0);
  world.recover('node1');
  await step(`(web-eip switches back automatically once node1 has been healthy for ${spec.defaults.switchbackDwellSeconds}s; db is intelligent and stays)`, spec.defaults.switchbackDwellSeconds + 5);
  where();
  await step('operator requests: switch db over to node1', 0);
  world.state.request('db', { kind: 'switchover', to: 'node1', id: 'op-1', requestedAt: world.clock.now() });
  await step(undefined, 3);
  where();
  return { lines, world };
}

function formatEntry(world: SimWorld, entry: HistoryEntry): string {
  const stamp = `T+${((entry.at - world.start) / 1000).toFixed(1).padStart(5)}s`;
  return `${stamp}    ${entry.group.padEnd(8)} epoch ${entry.epoch}  ${entry.kind.padEnd(10)} ${entry.message}`;
}
