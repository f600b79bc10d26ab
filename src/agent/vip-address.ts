import { describeProcessResult, runProcess, type ProcessResult } from './run-process';

/*
 * The built-in route-mode step: the virtual IP as a /32 on the interface of the member's ENI,
 * with `ip addr add|del`. Idempotent: an address already there (or already gone) is success,
 * so a retried or repeated activation never fails on its own earlier work.
 */

export type VipOperation = 'add' | 'del';

export interface VipOutcome {
  readonly ok: boolean;
  /** `already`: the address was already in the wanted state. */
  readonly change: 'changed' | 'already' | 'failed';
  readonly detail: string;
}

const ALREADY_PRESENT = /File exists|already assigned/i;
const ALREADY_ABSENT = /Cannot assign requested address|Address not found|Cannot find device/i;

export function classifyIpAnswer(operation: VipOperation, result: ProcessResult, timeoutMs: number): VipOutcome {
  if (result.exitCode === 0) return { ok: true, change: 'changed', detail: 'done' };
  const already = operation === 'add' ? ALREADY_PRESENT : ALREADY_ABSENT;
  if (result.startError === undefined && !result.timedOut && already.test(result.output)) {
    return { ok: true, change: 'already', detail: operation === 'add' ? 'already present' : 'already absent' };
  }
  return { ok: false, change: 'failed', detail: describeProcessResult(result, timeoutMs) };
}

export async function changeVip(
  operation: VipOperation,
  address: string,
  iface: string,
  ipCommand: readonly string[],
  timeoutMs: number,
): Promise<VipOutcome & { readonly argv: readonly string[] }> {
  const argv = [...ipCommand, 'addr', operation, `${address}/32`, 'dev', iface];
  // The C locale keeps iproute2's answers in English, which is what classifyIpAnswer reads.
  const result = await runProcess(argv, { timeoutMs, env: { ...process.env, LC_ALL: 'C', LANG: 'C' } });
  return { ...classifyIpAnswer(operation, result, timeoutMs), argv };
}
