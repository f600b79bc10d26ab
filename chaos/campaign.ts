import { buildBundles } from './bundles';
import type { CampaignResult } from './report';
import { runScenario, type ScenarioResult } from './run-scenario';
import { generateScenario, type FaultKind, type Scenario } from './scenario';
import { convergenceBoundMs } from './timing';
import { startChaosWorld, type ChaosWorld } from './world';

/*
 * A campaign: one local world for all scenarios, scenarios drawn from the seed, each run and
 * judged in turn. The world and every process are stopped at the end, on failure and when
 * `cancel` is called (Ctrl-C).
 */

export interface CampaignOptions {
  readonly seed: number;
  readonly scenarios: number;
  /** `<seed>-<index>`: that scenario alone; a fault kind: every scenario draws only that kind. */
  readonly scenario?: string;
  readonly kinds?: readonly FaultKind[];
  readonly maxFaults?: number;
  /** Added to the convergence bound (a loaded machine schedules processes late). */
  readonly boundSlackMs?: number;
  readonly log?: (line: string) => void;
}

export interface Campaign {
  readonly done: Promise<CampaignResult>;
  /** Stops where it stands; `done` then settles once everything is down. */
  cancel(): void;
}

export function planScenarios(options: CampaignOptions): Scenario[] {
  const replay = options.scenario !== undefined ? /^(\d+)-(\d+)$/.exec(options.scenario) : null;
  if (replay) return [generateScenario(Number(replay[1]), Number(replay[2]), { kinds: options.kinds, maxFaults: options.maxFaults })];
  const kinds = options.scenario !== undefined ? [options.scenario as FaultKind] : options.kinds;
  return Array.from({ length: options.scenarios }, (_, index) => generateScenario(options.seed, index, { kinds, maxFaults: options.maxFaults }));
}

export function startCampaign(options: CampaignOptions): Campaign {
  let cancelled = false;
  let world: ChaosWorld | undefined;
  const log = options.log ?? ((line: string) => console.log(line));
  const done = (async (): Promise<CampaignResult> => {
    const started = Date.now();
    const plans = planScenarios(options);
    const boundMs = convergenceBoundMs() + (options.boundSlackMs ?? 1000);
    const results: ScenarioResult[] = [];
    try {
      world = await startChaosWorld();
      if (cancelled) throw new Error('cancelled');
      const bundles = await buildBundles(world.dir);
      log(`chaos: world up in ${((Date.now() - started) / 1000).toFixed(1)} s; ${plans.length} scenarios from seed ${options.seed}`);
      for (const plan of plans) {
        if (cancelled) break;
        const result = await runScenario(world, plan, { bundles, boundMs, log, cancelled: () => cancelled });
        results.push(result);
        const verdict = result.error ? `ERROR ${result.error}` : result.violations.length ? `${result.violations.length} violation(s): ${result.violations.map((v) => v.invariant).join(', ')}` : 'ok';
        log(
          `  ${plan.id.padEnd(10)} ${plan.controllers}c ${result.faults.map((f) => `${f.kind}(${f.hit})`).join(' → ').padEnd(70)} converged ${result.convergenceMs ?? '-'} ms, epochs ${result.epochs.start}→${result.epochs.end}, ${(result.durationMs / 1000).toFixed(1)} s: ${verdict}`,
        );
      }
    } finally {
      await world?.stop();
    }
    return { seed: options.seed, scenarios: results, plans, durationMs: Date.now() - started, boundMs };
  })();
  return {
    done,
    cancel: () => {
      cancelled = true;
      world?.thawDynamo();
    },
  };
}
