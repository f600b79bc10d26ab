import { spawn, type ChildProcess } from 'node:child_process';
import { LocalErrorCode, localError } from './local-errors';

export interface ProcessGroupOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** Names the process in errors and logs, e.g. `moto_server`. */
  readonly label: string;
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Told every whole line the process writes (stdout and stderr), besides the tail kept. */
  readonly onLine?: ((line: string) => void) | undefined;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface StopOptions {
  /** How long SIGTERM is given before SIGKILL. */
  readonly graceMs?: number;
}

export interface ManagedProcess {
  readonly pid: number;
  readonly label: string;
  readonly exited: Promise<ProcessExit>;
  exitStatus(): ProcessExit | undefined;
  /** The last few KiB the process wrote to stdout and stderr, for error messages. */
  outputTail(): string;
  stop(options?: StopOptions): Promise<void>;
}

const OUTPUT_TAIL_BYTES = 8192;
const KILL_WAIT_MS = 5000;

/**
 * Every group still running, so that an exiting parent can take them down with it.
 * A child that outlives its test run would hold ports and memory on a 2-core CI box.
 */
const liveGroups = new Set<ManagedProcess>();
let exitHookInstalled = false;

function killGroupSync(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const group of liveGroups) killGroupSync(group.pid, 'SIGKILL');
  });
}

/**
 * The 'exit' hook does not run when the parent is killed with SIGKILL (vitest may do that to a
 * stuck worker), so a tiny shell watches the parent and takes the child's group down when the
 * parent disappears.
 */
const WATCHDOG_SCRIPT = [
  'parent="$1"; group="$2"',
  'while kill -0 "$parent" 2>/dev/null && kill -0 "$group" 2>/dev/null; do sleep 1; done',
  'if kill -0 "$group" 2>/dev/null; then',
  '  kill -TERM "-$group" 2>/dev/null; sleep 2; kill -KILL "-$group" 2>/dev/null',
  'fi',
].join('\n');

function startWatchdog(childPid: number): ChildProcess | undefined {
  try {
    const watchdog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'ec2f-watchdog', String(process.pid), String(childPid)], {
      detached: true,
      stdio: 'ignore',
    });
    watchdog.on('error', () => undefined);
    watchdog.unref();
    return watchdog;
  } catch {
    return undefined;
  }
}

/** Resolves true if `promise` settles within `ms`, else false; the timer never outlives the race. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts a command as the leader of its own process group (so wrappers such as pyenv shims and
 * whatever they start can be stopped together) and resolves once the OS has started it.
 * Rejects with the raw spawn error (e.g. ENOENT) so callers can turn it into a coded error.
 */
export function startProcessGroup(options: ProcessGroupOptions): Promise<ManagedProcess> {
  installExitHook();
  return new Promise((resolve, reject) => {
    const child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let tail = '';
    const lines = options.onLine ? lineSplitter(options.onLine) : undefined;
    const remember = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      tail = (tail + text).slice(-OUTPUT_TAIL_BYTES);
      lines?.(text);
    };
    child.stdout?.on('data', remember);
    child.stderr?.on('data', remember);

    let exitStatus: ProcessExit | undefined;
    const streamsClosed = new Promise<void>((resolveClose) => child.once('close', () => resolveClose()));
    const exited = new Promise<ProcessExit>((resolveExit) => {
      child.once('exit', (code, signal) => {
        const status = { code, signal };
        // The last words (an error message, say) may still be in the pipes; give them a moment,
        // but not forever, since a surviving group member can hold the pipes open.
        void settlesWithin(streamsClosed, 200).then(() => {
          exitStatus = status;
          resolveExit(status);
        });
      });
    });

    child.once('error', (error) => {
      if (child.pid === undefined) reject(error);
    });
    child.once('spawn', () => {
      const pid = child.pid as number;
      // Let the parent exit while the child runs; the exit hook and the watchdog clean up after it.
      child.unref();
      // The pipes are sockets underneath, though typed as plain streams.
      (child.stdout as NodeJS.ReadableStream & { unref?: () => void } | null)?.unref?.();
      (child.stderr as NodeJS.ReadableStream & { unref?: () => void } | null)?.unref?.();
      const watchdog = startWatchdog(pid);

      const forget = (): void => {
        liveGroups.delete(managed);
        if (watchdog?.pid !== undefined) killGroupSync(watchdog.pid, 'SIGKILL');
      };
      void exited.then(() => {
        // Members of the group may outlive their leader; they go with it.
        killGroupSync(pid, 'SIGKILL');
        forget();
      });

      const managed: ManagedProcess = {
        pid,
        label: options.label,
        exited,
        exitStatus: () => exitStatus,
        outputTail: () => tail,
        async stop(stopOptions: StopOptions = {}): Promise<void> {
          if (exitStatus === undefined) {
            // The child was unreferenced; while we wait for it, it must keep the parent's event loop alive.
            child.ref();
            killGroupSync(pid, 'SIGTERM');
            const graceful = await settlesWithin(exited, stopOptions.graceMs ?? 3000);
            if (!graceful) {
              killGroupSync(pid, 'SIGKILL');
              const killed = await settlesWithin(exited, KILL_WAIT_MS);
              if (!killed) {
                throw localError(
                  LocalErrorCode.processWouldNotStop,
                  `${options.label} (pid ${pid}) did not exit ${KILL_WAIT_MS} ms after SIGKILL; stop it by hand: kill -KILL -${pid}`,
                );
              }
            }
          }
          killGroupSync(pid, 'SIGKILL');
          forget();
        },
      };
      liveGroups.add(managed);
      resolve(managed);
    });
  });
}

/** Calls `onLine` with each whole line of the text it is fed in pieces. */
function lineSplitter(onLine: (line: string) => void): (text: string) => void {
  let partial = '';
  return (text) => {
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) onLine(line);
  };
}
