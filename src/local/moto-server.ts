import { request } from 'node:http';
import { findFreePort, isPortFree } from './free-port';
import { LocalErrorCode, localError } from './local-errors';
import { startProcessGroup, type ManagedProcess, type StopOptions } from './process-group';
import { groupListensOn } from './listening-port';
import { waitUntil } from './wait-until';

export interface MotoServerOptions {
  /** Fixed port; by default a free one is chosen. */
  readonly port?: number;
  /** Executable to run; `MOTO_SERVER_COMMAND` or `moto_server` on the PATH by default. */
  readonly command?: string;
  readonly startTimeoutMs?: number;
}

export interface MotoServer {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  /** Wipes every resource moto holds, as if it had just started. */
  reset(): Promise<void>;
  stop(options?: StopOptions): Promise<void>;
}

const HOST = '127.0.0.1';
const INSTALL_HINT = 'install it with: pip install "moto[server]"';
/** pyenv and shells answer 127 when the command is not installed for the active interpreter. */
const COMMAND_NOT_FOUND_EXIT = 127;
const PORT_CLASH_ATTEMPTS = 3;

/** Any HTTP answer at all means the server is up; moto answers `/` with 200. */
export function httpAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = request(url, { method: 'GET', timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(true);
    });
    probe.on('timeout', () => probe.destroy());
    probe.on('error', () => resolve(false));
    probe.end();
  });
}

/** `POST /moto-api/reset`: moto's own endpoint that drops all state of all services. */
export async function resetMoto(endpoint: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`moto reset answered HTTP ${response.status}`);
}

async function launchOnPort(command: string, port: number, startTimeoutMs: number): Promise<ManagedProcess> {
  let child: ManagedProcess;
  try {
    child = await startProcessGroup({ command, args: ['-H', HOST, '-p', String(port)], label: 'moto_server' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw localError(LocalErrorCode.motoMissing, `cannot run "${command}": not found; ${INSTALL_HINT}`, error);
    }
    throw error;
  }
  const endpoint = `http://${HOST}:${port}`;
  const exitedEarly = (): Error | undefined => {
    const status = child.exitStatus();
    if (status === undefined) return undefined;
    if (status.code === COMMAND_NOT_FOUND_EXIT) {
      return localError(LocalErrorCode.motoMissing, `"${command}" is not installed (${child.outputTail().trim()}); ${INSTALL_HINT}`);
    }
    return localError(
      LocalErrorCode.serviceExitedEarly,
      `moto_server exited (code ${status.code}, signal ${status.signal}) before answering on ${endpoint}:\n${child.outputTail().trim()}`,
    );
  };
  try {
    const up = await waitUntil(async () => (await httpAnswers(endpoint)) && groupListensOn(child.pid, port) !== false, { timeoutMs: startTimeoutMs, abortIf: exitedEarly });
    if (!up) {
      throw localError(LocalErrorCode.serviceStartTimeout, `moto_server did not answer on ${endpoint} within ${startTimeoutMs} ms`);
    }
    return child;
  } catch (error) {
    await child.stop({ graceMs: 500 });
    throw error;
  }
}

function looksLikePortClash(error: unknown): boolean {
  return error instanceof Error && /address already in use/i.test(error.message);
}

/** Starts `moto_server` on 127.0.0.1 and resolves once it answers HTTP. */
export async function startMotoServer(options: MotoServerOptions = {}): Promise<MotoServer> {
  const command = options.command ?? process.env.MOTO_SERVER_COMMAND ?? 'moto_server';
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  let attempt = 0;
  for (;;) {
    attempt += 1;
    const port = options.port ?? (await findFreePort(HOST));
    // A fixed port held by another server would answer our readiness probe in moto's place.
    if (options.port !== undefined && !(await isPortFree(port, HOST))) {
      throw localError(LocalErrorCode.portUnavailable, `port ${port} on ${HOST} is already in use; choose another for moto`);
    }
    try {
      const child = await launchOnPort(command, port, startTimeoutMs);
      const endpoint = `http://${HOST}:${port}`;
      return {
        endpoint,
        port,
        pid: child.pid,
        reset: () => resetMoto(endpoint),
        stop: (stopOptions) => child.stop(stopOptions),
      };
    } catch (error) {
      if (!looksLikePortClash(error)) throw error;
      if (options.port !== undefined) {
        throw localError(LocalErrorCode.portUnavailable, `port ${port} on ${HOST} is already in use; choose another for moto`, error);
      }
      if (attempt >= PORT_CLASH_ATTEMPTS) throw error;
    }
  }
}
