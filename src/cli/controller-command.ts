import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import { ReconcileLoop } from '../core/loop';
import { sharedEc2Client } from '../aws/ec2/client';
import { countCallFailures } from '../aws/ec2/call-metrics';
import { Ec2Cloud } from '../aws/ec2/ec2-cloud';
import { DynamoLeaseStore } from '../aws/dynamodb/lease-store';
import { DynamoVerdictStore, VerdictRecorder } from '../aws/dynamodb/verdict-store';
import { tailEvents } from '../process/event-file';
import { loadClusterContext } from './cluster-context';
import { processStopSignal } from '../process/stop-signal';
import type { CommandIo } from './cli-io';
import { clusterMetrics, emfSink } from '../process/emf-metrics';
import { jsonLineLogger } from '../process/json-logger';
import { TransitionAnnouncer } from '../core/transition-announcer';
import type { TransitionEvents } from '../core/ports';
import { TransitionEventFile } from '../process/transition-event-file';
import { defaultBusTransitionEvents } from '../aws/eventbridge/default-bus';
import { OnDemandRuns } from '../process/on-demand-runs';
import { listenForWakes } from '../process/wake-listener';
import { reconcilerFunctionName, type RunShape } from '../names';
import type { Logger } from '../core/logger';
import { onDemandVerdictMaxAgeMs } from '../core/verdict-age';

/*
 * `ec2-failover controller --config FILE`: the reconcile loop as a long-running process, for a
 * small instance or container instead of Lambda, or against the local world. It reads specs and
 * status from the state store (applied by `init`); the config file names the cluster and region.
 * Several controllers may run: one holds the lease, the others stand by.
 *
 * `--run-shape on-demand` runs as the deployed reconciler does by default: a run every
 * `--schedule` seconds and whenever woken (agents, operator commands and node events wake it;
 * `--wake-listen` serves Lambda's Invoke API on 127.0.0.1 for them), each stopping once the
 * cluster is steady. The default, `resident`, ticks without a break.
 */
export interface ControllerOptions {
  readonly config: string;
  readonly events?: string | undefined;
  /** Ownership-change events go to this JSON-lines file instead of the default EventBridge bus. */
  readonly eventsOut?: string | undefined;
  readonly holder?: string | undefined;
  /** @default 'resident' */
  readonly runShape?: RunShape | undefined;
  /** On demand: the port on 127.0.0.1 to serve Lambda's Invoke API on (0: any free port). */
  readonly wakeListen?: number | undefined;
  /** On demand: seconds between scheduled runs. @default 60 */
  readonly schedule?: number | undefined;
}

/** How long one on-demand run may last: as the deployed function's timeout for a one-minute schedule. */
const ON_DEMAND_RUN_MS = 137_000;

export async function runController(options: ControllerOptions, io: CommandIo, stop?: AbortSignal): Promise<number> {
  const processStop = stop === undefined ? processStopSignal() : undefined;
  try {
    return await runLoop(options, io, stop ?? processStop!.signal);
  } finally {
    processStop?.dispose();
  }
}

async function runLoop(flags: ControllerOptions, io: CommandIo, stop: AbortSignal): Promise<number> {
  const { spec, region, documents, state, heartbeats } = loadClusterContext(flags.config, 'controller');
  const holder = flags.holder ?? `${hostname()}:${process.pid}`;
  const logger = jsonLineLogger((line) => io.stdout.write(line), { cluster: spec.cluster, holder });

  const metrics = emfSink(clusterMetrics(spec.cluster));
  const validForMs = flags.runShape === 'on-demand' ? onDemandVerdictMaxAgeMs((flags.schedule ?? 60) * 1000) : undefined;
  const verdicts = new VerdictRecorder(new DynamoVerdictStore(documents, spec.cluster), holder, validForMs);
  const announcer = new TransitionAnnouncer({ cluster: spec.cluster, events: await transitionEvents(flags.eventsOut, region), history: state, logger, metrics });
  const newLoop = (deadline?: number) => new ReconcileLoop(
    {
      state: announcer.watch(state),
      heartbeats,
      cloud: new Ec2Cloud(sharedEc2Client({ region, apiCallTimeoutSeconds: spec.defaults.tunables.apiCallTimeoutSeconds }), { onCallFailure: countCallFailures(metrics) }),
      lease: new DynamoLeaseStore(documents, spec.cluster),
      clock: Date.now,
      logger,
      metrics,
      afterTick: async (report) => {
        await Promise.all([verdicts.record(report), announcer.afterTick(report)]);
      },
    },
    { holder, signal: stop, deadline, shape: flags.runShape ?? 'resident' },
  );

  if (flags.runShape === 'on-demand') {
    await runOnDemand(flags, spec.cluster, newLoop, logger, stop);
  } else {
    const loop = newLoop();
    const following = flags.events ? followEvents(flags.events, loop, logger, stop) : Promise.resolve();
    logger.info('controller started', { region, events: flags.events, eventsOut: flags.eventsOut });
    const summary = await loop.run();
    await following;
    logger.info('controller stopped', { ticks: summary.ticks, transitions: summary.transitions });
  }
  await announcer.flush(Date.now());
  return 0;
}

/** Runs on schedule and when woken, each run a fresh loop that stops once the cluster is steady. */
async function runOnDemand(flags: ControllerOptions, cluster: string, newLoop: (deadline: number) => ReconcileLoop, logger: Logger, stop: AbortSignal): Promise<void> {
  const runs = new OnDemandRuns({ periodMs: (flags.schedule ?? 60) * 1000, runMs: ON_DEMAND_RUN_MS, newRun: newLoop, logger });
  const listener = flags.wakeListen === undefined ? undefined : await listenForWakes(flags.wakeListen, reconcilerFunctionName(cluster), (i) => runs.wake(i.reason, i.from));
  try {
    const following = flags.events ? followEvents(flags.events, runs, logger, stop) : Promise.resolve();
    logger.info('controller started', { runShape: 'on-demand', wakeEndpoint: listener?.endpoint, events: flags.events, eventsOut: flags.eventsOut });
    const totals = await runs.runUntil(stop);
    await following;
    logger.info('controller stopped', { ...totals });
  } finally {
    await listener?.close();
  }
}

/** Where ownership changes are announced: the file given, else the default EventBridge bus. */
async function transitionEvents(eventsOut: string | undefined, region: string): Promise<TransitionEvents> {
  if (eventsOut === undefined) return defaultBusTransitionEvents(region);
  const file = new TransitionEventFile(eventsOut, region);
  await file.create();
  return file;
}

/** Tails a local event sink (JSON lines of EventBridge events); only events written from now on count. */
async function followEvents(path: string, loop: { notify(event: unknown): unknown }, logger: Logger, stop: AbortSignal): Promise<void> {
  let fromOffset = 0;
  try {
    fromOffset = statSync(path).size;
  } catch {
    // Not written yet: every event will be new.
  }
  try {
    for await (const event of tailEvents(path, { fromOffset, pollIntervalMs: 50, signal: stop })) {
      try {
        loop.notify(event);
      } catch (error) {
        logger.warn((error as Error).message, { source: path });
      }
    }
  } catch (error) {
    logger.warn('event sink unreadable; heartbeats and EC2 still count', { source: path, error: (error as Error).message });
  }
}
