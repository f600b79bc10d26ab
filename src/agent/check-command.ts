import type { CommandSpec } from './agent-config';
import type { Probe } from './check-probe';
import { describeProcessResult, runProcess } from './run-process';

/** Exit code 0 is healthy; anything else, a timeout (the process group is killed) or a failure to start is not. */
export function commandProbe(command: CommandSpec): Probe {
  return async (timeoutMs, signal) => {
    const result = await runProcess(command, { timeoutMs, signal });
    return { ok: result.exitCode === 0 && !result.timedOut, detail: describeProcessResult(result, timeoutMs) };
  };
}
