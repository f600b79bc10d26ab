import type { Probe } from './check-probe';

/**
 * A GET of `url`: healthy on one of `expectStatus`, or on any 2xx/3xx when none is given.
 * Redirects are not followed: a 3xx from a local service already proves it answers.
 */
export function httpProbe(url: string, expectStatus?: number | readonly number[]): Probe {
  const expected = expectStatus === undefined ? undefined : new Set(typeof expectStatus === 'number' ? [expectStatus] : expectStatus);
  return async (timeoutMs, signal) => {
    try {
      const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
      await response.body?.cancel().catch(() => undefined);
      const ok = expected ? expected.has(response.status) : response.status >= 200 && response.status < 400;
      return { ok, detail: ok ? `HTTP ${response.status}` : `HTTP ${response.status}, expected ${expected ? [...expected].join(' or ') : '2xx or 3xx'}` };
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') return { ok: false, detail: `no answer within ${timeoutMs / 1000}s` };
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return { ok: false, detail: cause?.code ?? cause?.message ?? (error as Error).message };
    }
  };
}
