import { describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../../src/agent/agent-config';
import { silentAgentLogger } from '../../../src/agent/agent-logger';
import { HealthChecks } from '../../../src/agent/health-checks';

async function runUntil(health: HealthChecks, done: () => boolean): Promise<void> {
  const stop = new AbortController();
  const running = health.run(stop.signal);
  const deadline = Date.now() + 3000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
  stop.abort();
  await running;
}

describe('HealthChecks', () => {
  it('reports failing only after failureThreshold failures in a row; one success resets the count', async () => {
    // Prepare: each run first notes what the check reported after the run before it
    const { checks } = parseAgentConfig({ cluster: 'c', checks: [{ name: 'db', type: 'tcp', port: 1, intervalSeconds: 0.001, failureThreshold: 3 }] });
    const ok = { ok: true, detail: 'connected' };
    const bad = { ok: false, detail: 'ECONNREFUSED' };
    const answers = [ok, bad, bad, ok, bad, bad, bad, bad];
    const reported: boolean[] = [];
    const health: HealthChecks = new HealthChecks(checks, silentAgentLogger, () => async () => {
      reported.push(health.results()[0]!.ok);
      return answers[Math.min(reported.length - 1, answers.length - 1)]!;
    });

    // Act
    await runUntil(health, () => reported.length >= 8);

    // Assess: pending, then ok through runs 2-3 and 5-6 (fewer than three failures in a row), failing after run 7
    expect(reported.slice(0, 8)).toEqual([false, true, true, true, true, true, true, false]);
    expect(health.results()[0]).toEqual({ name: 'db', ok: false, required: false, detail: 'ECONNREFUSED' });
  });

  it('reports a probe that throws as failing, with the reason', async () => {
    // Prepare
    const { checks } = parseAgentConfig({ cluster: 'c', checks: [{ name: 'x', type: 'command', command: 'true', intervalSeconds: 0.001 }] });
    const health = new HealthChecks(checks, silentAgentLogger, () => async () => {
      throw new Error('boom');
    });

    // Act
    await runUntil(health, () => health.results()[0]!.detail !== 'pending: first run not finished');

    // Assess
    expect(health.results()[0]).toMatchObject({ ok: false, detail: 'check crashed: boom' });
  });
});
