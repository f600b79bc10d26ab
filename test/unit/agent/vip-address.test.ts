import { describe, expect, it } from 'vitest';
import type { ProcessResult } from '../../../src/agent/run-process';
import { classifyIpAnswer } from '../../../src/agent/vip-address';

const answer = (exitCode: number | null, output: string, extra: Partial<ProcessResult> = {}): ProcessResult => ({
  exitCode,
  output,
  timedOut: false,
  elapsedMs: 3,
  ...extra,
});

describe('classifyIpAnswer', () => {
  it('is done on exit 0', () => {
    expect(classifyIpAnswer('add', answer(0, ''), 1000)).toEqual({ ok: true, change: 'changed', detail: 'done' });
  });

  it('treats an address already there as added, in old and new iproute2 wording', () => {
    expect(classifyIpAnswer('add', answer(2, 'RTNETLINK answers: File exists\n'), 1000)).toMatchObject({ ok: true, change: 'already' });
    expect(classifyIpAnswer('add', answer(2, 'Error: ipv4: Address already assigned.\n'), 1000)).toMatchObject({ ok: true, change: 'already' });
  });

  it('treats an address already gone as removed', () => {
    expect(classifyIpAnswer('del', answer(2, 'RTNETLINK answers: Cannot assign requested address\n'), 1000)).toMatchObject({ ok: true, change: 'already' });
    expect(classifyIpAnswer('del', answer(2, 'Error: ipv4: Address not found.\n'), 1000)).toMatchObject({ ok: true, change: 'already' });
  });

  it('fails on anything else, saying what ip said', () => {
    expect(classifyIpAnswer('add', answer(2, 'RTNETLINK answers: Operation not permitted\n'), 1000)).toEqual({
      ok: false,
      change: 'failed',
      detail: 'exit 2: RTNETLINK answers: Operation not permitted',
    });
    expect(classifyIpAnswer('add', answer(1, 'Cannot find device "eth9"\n'), 1000)).toMatchObject({ ok: false });
    expect(classifyIpAnswer('del', answer(null, '', { timedOut: true }), 1000)).toEqual({ ok: false, change: 'failed', detail: 'timed out after 1s, killed' });
    expect(classifyIpAnswer('add', answer(null, '', { startError: 'spawn ip ENOENT' }), 1000)).toMatchObject({ ok: false, detail: 'could not start: spawn ip ENOENT' });
  });
});
