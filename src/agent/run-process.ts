import { spawn } from 'node:child_process';
import type { CommandSpec } from './agent-config';

/*
 * Runs a check command or a hook with a time limit. The child gets a process group of its own
 * so a timeout kills everything it started (a shell and its pipeline), not just the shell.
 */

export interface ProcessResult {
  /** Null when killed by a signal, timed out, or never started. */
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  /** Set when the program could not be started at all (not found, not executable). */
  readonly startError?: string | undefined;
  /** The last few KiB of stdout and stderr together. */
  readonly output: string;
  readonly elapsedMs: number;
}

export interface RunOptions {
  readonly timeoutMs: number;
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Aborting kills the process group at once, as a timeout does. */
  readonly signal?: AbortSignal | undefined;
}

const OUTPUT_TAIL_BYTES = 4096;
/** After the child exits, how long to wait for its pipes: a daemon it started may hold them open forever. */
const PIPE_DRAIN_MS = 200;

export function argvOf(command: CommandSpec): [string, string[]] {
  return typeof command === 'string' ? ['/bin/sh', ['-c', command]] : [command[0]!, command.slice(1)];
}

export function runProcess(command: CommandSpec, options: RunOptions): Promise<ProcessResult> {
  const started = Date.now();
  const [file, args] = argvOf(command);
  return new Promise((resolve) => {
    let output = '';
    let timedOut = false;
    let settled = false;
    const take = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_BYTES);
    };
    const child = spawn(file, args, { env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    child.stdout.on('data', take);
    child.stderr.on('data', take);

    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    const onAbort = () => killGroup();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) killGroup();

    const finish = (result: Omit<ProcessResult, 'elapsedMs' | 'output' | 'timedOut'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ ...result, timedOut, output, elapsedMs: Date.now() - started });
    };
    child.once('error', (error) => finish({ exitCode: null, startError: error.message }));
    child.once('exit', (code) => {
      const drained = setTimeout(() => finish({ exitCode: timedOut ? null : code }), PIPE_DRAIN_MS);
      child.once('close', () => {
        clearTimeout(drained);
        finish({ exitCode: timedOut ? null : code });
      });
    });
  });
}

/** A one-line account of how a run ended, for a check's detail or a log line. */
export function describeProcessResult(result: ProcessResult, timeoutMs: number): string {
  if (result.startError !== undefined) return `could not start: ${result.startError}`;
  if (result.timedOut) return `timed out after ${formatSeconds(timeoutMs)}, killed`;
  const lastLine = lastNonEmptyLine(result.output);
  const status = result.exitCode === null ? 'killed by a signal' : `exit ${result.exitCode}`;
  return lastLine ? `${status}: ${lastLine}` : status;
}

export function lastNonEmptyLine(text: string, maxLength = 160): string {
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
  const last = lines[lines.length - 1] ?? '';
  return last.length > maxLength ? `${last.slice(0, maxLength - 1)}…` : last;
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}
