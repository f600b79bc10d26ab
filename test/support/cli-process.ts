import { join } from 'node:path';
import { LoggedProcess, REPO_ROOT, killAllLoggedProcesses } from './logged-process';

const CLI = join(REPO_ROOT, 'bin', 'ec2-failover.js');

/** An `ec2-failover` command (a controller, say) started by a test. */
export class CliProcess extends LoggedProcess {
  static start(args: readonly string[], env: Record<string, string>): CliProcess {
    return CliProcess.spawnNode(`ec2-failover ${args[0] ?? ''}`, [CLI, ...args], env);
  }
}

export const killAllCliProcesses = killAllLoggedProcesses;

export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000, pollMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
