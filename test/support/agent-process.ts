import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/*
 * A real agent process for a test: `node --require tsx/cjs src/agent/main.ts …`, or the bundle
 * with plain node. Its JSON log lines are collected as they arrive; every process started is
 * killed when the test file's process exits, even if a test forgot.
 */

export const REPO_ROOT = join(__dirname, '..', '..');
const AGENT_MAIN = join(REPO_ROOT, 'src', 'agent', 'main.ts');

export interface AgentExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const running = new Set<AgentProcess>();
let exitHookInstalled = false;

export class AgentProcess {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  readonly exited: Promise<AgentExit>;
  private waiters: (() => void)[] = [];

  private constructor(
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

  /** The agent from source, through tsx. */
  static start(label: string, args: readonly string[], env: Record<string, string>): AgentProcess {
    return AgentProcess.spawn(label, ['--require', 'tsx/cjs', AGENT_MAIN, ...args], env);
  }

  /** A bundled agent file, with plain node. */
  static startBundle(label: string, bundle: string, args: readonly string[], env: Record<string, string>): AgentProcess {
    return AgentProcess.spawn(label, [bundle, ...args], env);
  }

  private static spawn(label: string, nodeArgs: readonly string[], env: Record<string, string>): AgentProcess {
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.on('exit', () => {
        for (const agent of running) agent.child.kill('SIGKILL');
      });
    }
    const child = spawn(process.execPath, [...nodeArgs], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const agent = new AgentProcess(label, child);
    running.add(agent);
    return agent;
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

  kill(signal: NodeJS.Signals): Promise<AgentExit> {
    if (this.alive) this.child.kill(signal);
    return this.exited;
  }
}

/** For afterAll: nothing a test started may outlive it. */
export async function killAllAgents(): Promise<void> {
  await Promise.all([...running].map((agent) => agent.kill('SIGKILL')));
}
