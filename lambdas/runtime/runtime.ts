import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { LoopDeps, LoopSummary } from '../../src/core/loop';
import { sharedEc2Client } from '../../src/aws/ec2/client';
import { dynamoDbClient, dynamoDbDocumentClient } from '../../src/aws/dynamodb/client';
import { countCallFailures } from '../../src/aws/ec2/call-metrics';
import { Ec2Cloud } from '../../src/aws/ec2/ec2-cloud';
import { DynamoHeartbeatStore } from '../../src/aws/dynamodb/heartbeat-store';
import { readLambdaEnvironment, readLambdaRegion, type LambdaEnvironment } from './environment';
import { clusterLogger, decisionLogger } from './logger';
import { LambdaEnvironmentVariable } from '../../src/names';
import { ReconcilerWaker, type ReconcilerWake } from '../../src/aws/lambda/reconciler-wake';
import { clusterMetrics, emfSink } from '../../src/process/emf-metrics';
import { recordRun } from '../../src/core/loop-metrics';
import { DynamoLeaseStore } from '../../src/aws/dynamodb/lease-store';
import { SignalStore } from '../../src/aws/dynamodb/signal-store';
import { DynamoStateStore } from '../../src/aws/dynamodb/state-store';
import { DynamoVerdictStore, VerdictRecorder } from '../../src/aws/dynamodb/verdict-store';
import { defaultBusTransitionEvents } from '../../src/aws/eventbridge/default-bus';
import { TransitionAnnouncer } from '../../src/core/transition-announcer';
import { onDemandVerdictMaxAgeMs } from '../../src/core/verdict-age';

/*
 * What each control-plane Lambda needs, built once per container from its environment so the
 * handlers stay a few lines and warm invocations reuse clients and their open connections.
 */

export interface ReconcilerRuntime {
  readonly environment: LambdaEnvironment;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Everything the shared ReconcileLoop reaches the world through. */
  readonly deps: LoopDeps;
  /** Announces ownership changes on the default EventBridge bus; kept across warm invocations. */
  readonly announcer: TransitionAnnouncer;
  /** Publishes what a finished run did (flushed by the metrics middleware). */
  recordSummary(summary: LoopSummary): void;
}

export function reconcilerRuntime(env: NodeJS.ProcessEnv = process.env): ReconcilerRuntime {
  const environment = readLambdaEnvironment(env);
  const cluster = environment.clusterName;
  const logger = clusterLogger(cluster);
  const metrics = clusterMetrics(cluster);
  const documents = dynamoDbDocumentClient(environment.region);
  const ec2 = sharedEc2Client({ region: environment.region, apiCallTimeoutSeconds: environment.apiCallTimeoutSeconds });
  const validForMs = environment.runShape === 'on-demand' ? onDemandVerdictMaxAgeMs(environment.schedulePeriodSeconds * 1000) : undefined;
  const verdicts = new VerdictRecorder(new DynamoVerdictStore(documents, cluster), 'reconciler', validForMs);
  const sink = emfSink(metrics);
  const state = new DynamoStateStore(documents, cluster);
  const announcer = new TransitionAnnouncer({ cluster, events: defaultBusTransitionEvents(environment.region), history: state, logger: decisionLogger(logger), metrics: sink });
  const deps: LoopDeps = {
    state: announcer.watch(state),
    heartbeats: new DynamoHeartbeatStore(documents, cluster),
    cloud: new Ec2Cloud(ec2, { onCallFailure: countCallFailures(sink) }),
    metrics: sink,
    afterTick: async (report) => {
      await Promise.all([verdicts.record(report), announcer.afterTick(report)]);
    },
    lease: new DynamoLeaseStore(documents, cluster),
    routesSeen: new Map(),
    clock: Date.now,
    logger: decisionLogger(logger),
  };
  return {
    environment,
    logger,
    metrics,
    deps,
    announcer,
    recordSummary(summary) {
      recordRun(sink, summary);
      logger.info('reconcile run finished', { ...summary });
    },
  };
}

export interface EventsRuntime {
  readonly logger: Logger;
  readonly signals: SignalStore;
  /** Wakes an on-demand reconciler once an event is recorded; absent when the stack names none to wake (resident runs). */
  readonly reconciler?: ReconcilerWake | undefined;
}

export function eventsRuntime(env: NodeJS.ProcessEnv = process.env): EventsRuntime {
  const environment = readLambdaEnvironment(env);
  const cluster = environment.clusterName;
  const logger = clusterLogger(cluster);
  const wakes = Boolean(env[LambdaEnvironmentVariable.reconcilerFunctionName]?.trim());
  return {
    logger,
    signals: new SignalStore(dynamoDbDocumentClient(environment.region), cluster),
    ...(wakes ? { reconciler: new ReconcilerWaker({ cluster, region: environment.region, from: 'events', log: decisionLogger(logger), env }) } : {}),
  };
}

export interface SpecApplyRuntime {
  readonly logger: Logger;
  /** applySpec takes the plain client: it creates absent tables and wraps its own document client. */
  readonly dynamoDb: DynamoDBClient;
}

export function specApplyRuntime(env: NodeJS.ProcessEnv = process.env): SpecApplyRuntime {
  const region = readLambdaRegion(env);
  return { logger: clusterLogger(), dynamoDb: dynamoDbClient(region) };
}
