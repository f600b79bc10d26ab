import { startProcessGroup, type ManagedProcess } from '../process-group';

/*
 * One process of the product (an agent, the controller, a CLI command) started from its bundle
 * as the leader of its own process group, so a kill takes whatever it started with it, and an
 * exiting parent takes it down (process-group.ts keeps a watchdog for that).
 */

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function startProduct(label: string, bundle: string, args: readonly string[], env: Record<string, string>, onLine?: (line: string) => void): Promise<ManagedProcess> {
  return startProcessGroup({
    command: process.execPath,
    args: [bundle, ...args],
    label,
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
    onLine,
  });
}

/** Waits until the process has written `text`; fails if it exits first or the time runs out. */
export async function waitForOutput(child: ManagedProcess, text: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!child.outputTail().includes(text)) {
    if (child.exitStatus() !== undefined) throw new Error(`${child.label} exited before writing "${text}":\n${child.outputTail().slice(-2000)}`);
    if (Date.now() > deadline) throw new Error(`${child.label} did not write "${text}" within ${timeoutMs} ms:\n${child.outputTail().slice(-2000)}`);
    await sleep(20);
  }
}

/** SIGKILL to the whole group, as a crash would; resolves once it is gone. */
export async function crash(child: ManagedProcess): Promise<void> {
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
  await child.exited;
}
