import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/*
 * A node process started by a test (an agent, a controller, any CLI command): its JSON log
 * lines are collected as they arrive, and every process started is killed when the test
 * file's process exits, even if a test forgot.
 */

export const REPO_ROOT = join(__dirname, '..', '..');

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const running = new Set<LoggedProcess>();
let exitHookInstalled = false;

export class LoggedProcess {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  readonly exited: Promise<ProcessExit>;
  private waiters: (() => void)[] = [];

  constructor(
    readonly label: string,
    readonly child: ChildProcess,
  ) {
    let buffer = '';
    const take = (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        this.raw.push(line);
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // Not a log line (an error message on stderr, say): kept in `raw`.
        }
        for (const wake of this.waiters.splice(0)) wake();
      }
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    void this.exited.then(() => {
      running.delete(this);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** `node <nodeArgs>` in the repository root, with `env` added to this process's environment. */
  static spawnNode<T extends LoggedProcess>(
    this: new (label: string, child: ChildProcess) => T,
    label: string,
    nodeArgs: readonly string[],
    env: Record<string, string>,
  ): T {
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => {
        for (const proc of running) proc.child.kill('SIGKILL');
      });
    }
    const child = spawn(process.execPath, [...nodeArgs], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const started = new this(label, child);
    running.add(started);
    return started;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first log line matching, waiting up to `timeoutMs`; fails at once if the process exits. */
  async waitFor(match: (line: Record<string, unknown>) => boolean, timeoutMs = 15_000, from = 0): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.slice(from).find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0 || !this.alive) {
        throw new Error(`${this.label}: no matching log line ${this.alive ? `within ${timeoutMs} ms` : 'before it exited'}; output:\n${this.raw.slice(-30).join('\n')}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  kill(signal: NodeJS.Signals): Promise<ProcessExit> {
    if (this.alive) this.child.kill(signal);
    return this.exited;
  }
}

/** For afterAll: nothing a test started may outlive it. */
export async function killAllLoggedProcesses(): Promise<void> {
  await Promise.all([...running].map((proc) => proc.kill('SIGKILL')));
}
