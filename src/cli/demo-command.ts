import { runDemoScenario } from '../sim/demo-scenario';

export async function runDemo(io: { stdout: { write(text: string): unknown } }): Promise<number> {
  const { world } = await runDemoScenario((line) => io.stdout.write(`${line}\n`));
  const ok = world.ownerOf('db') === 'node1' && world.trafficOn('db', 'node1') && world.trafficOn('web-eip', 'node1');
  io.stdout.write(ok ? 'demo finished: every route and the Elastic IP follow their owner\n' : 'demo finished in an unexpected state\n');
  return ok ? 0 : 1;
}
