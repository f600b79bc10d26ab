import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * A hook script that appends one line per run to a file: "exactly once per change" becomes a
 * line count. Activation fails (exit 1) while a given "fail file" exists, as a database
 * promotion that fails would; deactivation takes 1.5 s while a "slow file" exists, as a
 * database shutdown would. Each line ends with when the run started and ended (ms since the
 * epoch), so the order of two nodes' runs can be checked.
 */

const SCRIPT = `#!/bin/sh
# $1: the file to append to; $2: a file whose presence makes activation fail; $3: one that slows deactivation.
start=$(date +%s%3N)
if [ "$EC2F_ROLE" = standby ] && [ -e "$3" ]; then sleep 1.5; fi
echo "$EC2F_ROLE $EC2F_GROUP $EC2F_EPOCH $EC2F_REASON vip=$EC2F_VIP if=$EC2F_INTERFACE start=$start end=$(date +%s%3N)" >> "$1"
if [ "$EC2F_ROLE" = active ] && [ -e "$2" ]; then echo "promotion failed" >&2; exit 1; fi
exit 0
`;

export interface RecordingHook {
  /** The hook's argv, for `hooks.activate.command` and `hooks.deactivate.command`. */
  readonly command: string[];
  readonly recordFile: string;
  readonly failFile: string;
  readonly slowFile: string;
  /** Runs so far, as `role group epoch reason`. */
  runs(): string[];
  /** The raw lines, with the VIP and interface the hook saw. */
  lines(): string[];
  /** When the run recorded as `role group epoch reason` started and ended. */
  timeOf(run: string): { readonly start: number; readonly end: number } | undefined;
}

export function recordingHook(dir: string, name: string): RecordingHook {
  const script = join(dir, 'record-hook.sh');
  if (!existsSync(script)) writeFileSync(script, SCRIPT);
  const recordFile = join(dir, `${name}.hooks`);
  const failFile = join(dir, `${name}.fail`);
  const slowFile = join(dir, `${name}.slow`);
  const lines = () => (existsSync(recordFile) ? readFileSync(recordFile, 'utf8').split('\n').filter((line) => line !== '') : []);
  return {
    command: ['/bin/sh', script, recordFile, failFile, slowFile],
    recordFile,
    failFile,
    slowFile,
    lines,
    runs: () => lines().map((line) => line.split(' ').slice(0, 4).join(' ')),
    timeOf: (run) => {
      const line = lines().find((l) => l.startsWith(`${run} `));
      const match = line?.match(/ start=(\d+) end=(\d+)$/);
      return match ? { start: Number(match[1]), end: Number(match[2]) } : undefined;
    },
  };
}
