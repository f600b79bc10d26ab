import type { ErrorCode } from '../core/error-codes';
import { Ec2FailoverError } from '../core/errors';

/*
 * One map from an error to the process exit code, for every command (the README lists it):
 *   0 done · 1 AWS or the state store failed, or a bug · 2 bad input, nothing changed ·
 *   3 a conflict with another writer, nothing changed · 4 refused · 5 `--wait` timed out.
 */

export const ExitCode = { ok: 0, failed: 1, usage: 2, conflict: 3, refused: 4, timedOut: 5 } as const;

const BY_CODE: Readonly<Partial<Record<ErrorCode, number>>> = {
  'EC2F-U002': ExitCode.conflict,
  'EC2F-A001': ExitCode.conflict,
  'EC2F-A002': ExitCode.conflict,
  'EC2F-D008': ExitCode.conflict,
  'EC2F-U003': ExitCode.refused,
  'EC2F-R002': ExitCode.refused,
  'EC2F-U004': ExitCode.timedOut,
  'EC2F-D006': ExitCode.failed,
  'EC2F-D007': ExitCode.failed,
};

export function exitCodeFor(error: unknown): number {
  if (!(error instanceof Ec2FailoverError)) return ExitCode.failed;
  const mapped = BY_CODE[error.code];
  if (mapped !== undefined) return mapped;
  // EC2 trouble (EC2F-E…): the cloud failed, not the input.
  if (error.code.startsWith('EC2F-E')) return ExitCode.failed;
  return ExitCode.usage;
}
