import type { HealthCheckResult } from '../core/model';
import type { AgentLogger } from './agent-logger';
import type { CheckConfig } from './agent-config';
import { abortableSleep } from '../core/abortable-sleep';
import { commandProbe } from './check-command';
import { httpProbe } from './check-http';
import type { Probe } from './check-probe';
import { tcpProbe } from './check-tcp';

/*
 * Runs each configured check on its own schedule and keeps the result the heartbeat reports.
 * A check that has not finished its first run reports failing ("pending"): a node is not
 * healthy until it has shown it. A check's runs never overlap, so a hung check costs one
 * timeout per interval, not a pile of processes.
 */

export function probeFor(check: CheckConfig): Probe {
  switch (check.type) {
    case 'command':
      return commandProbe(check.command);
    case 'http':
      return httpProbe(check.url, check.expectStatus);
    case 'tcp':
      return tcpProbe(check.host, check.port);
  }
}

interface CheckState {
  readonly check: CheckConfig;
  readonly probe: Probe;
  consecutiveFailures: number;
  reported: HealthCheckResult;
}

export class HealthChecks {
  private readonly states: CheckState[];

  constructor(
    checks: readonly CheckConfig[],
    private readonly log: AgentLogger,
    makeProbe: (check: CheckConfig) => Probe = probeFor,
  ) {
    this.states = checks.map((check) => ({
      check,
      probe: makeProbe(check),
      consecutiveFailures: 0,
      reported: { name: check.name, ok: false, required: check.required, detail: 'pending: first run not finished' },
    }));
  }

  /** The latest result of every check, in config order. */
  results(): HealthCheckResult[] {
    return this.states.map((state) => state.reported);
  }

  /** Runs every check until `signal` aborts; resolves once all have stopped. */
  async run(signal: AbortSignal): Promise<void> {
    await Promise.all(this.states.map((state) => this.loop(state, signal)));
  }

  private async loop(state: CheckState, signal: AbortSignal): Promise<void> {
    const { check } = state;
    while (!signal.aborted) {
      const started = Date.now();
      let outcome;
      try {
        outcome = await state.probe(check.timeoutSeconds * 1000, signal);
      } catch (error) {
        outcome = { ok: false, detail: `check crashed: ${(error as Error).message}` };
      }
      if (signal.aborted) return;
      this.record(state, outcome.ok, outcome.detail);
      await abortableSleep(check.intervalSeconds * 1000 - (Date.now() - started), signal);
    }
  }

  private record(state: CheckState, ok: boolean, detail: string): void {
    const before = state.reported;
    state.consecutiveFailures = ok ? 0 : state.consecutiveFailures + 1;
    if (!ok && state.consecutiveFailures < state.check.failureThreshold) return;
    state.reported = { name: state.check.name, ok, required: state.check.required, detail };
    if (before.ok !== ok || before.detail?.startsWith('pending')) {
      const fields = { check: state.check.name, required: state.check.required, detail };
      if (ok) this.log.info('check passing', fields);
      else this.log.warn('check failing', fields);
    }
  }
}
