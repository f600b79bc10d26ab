import { runDemoScenario } from '../sim/demo-scenario';
import type { CommandIo } from './cli-io';

export async function runDemo(io: CommandIo): Promise<number> {
  const { world } = await runDemoScenario((line) => io.stdout.write(`${line}\n`));
  const ok = world.ownerOf('db') === 'node1' && world.trafficOn('db', 'node1') && world.trafficOn('web-eip', 'node1');
  io.stdout.write(ok ? 'demo finished: every route and the Elastic IP follow their owner\n' : 'demo finished in an unexpected state\n');
  return ok ? 0 : 1;
}
