import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ReconcileLoop, type LoopSummary } from '../../src/core/loop';
import { reconcilerRuntime } from '../runtime/runtime';

/*
 * Started every minute, and woken by agents, the events Lambda and operator commands (any
 * payload: a wake is only a hint, the run judges on its own reads). Runs the shared reconcile
 * loop (a tick every check interval) until the cluster is steady (run shape `on-demand`) or until
 * just before this invocation's deadline (`resident`: the next run, started while this one is
 * finishing, stands by and takes over the moment the lease is released).
 */
const runtime = reconcilerRuntime();

async function reconcile(_event: unknown, context: Context, { signal }: { signal: AbortSignal }): Promise<LoopSummary> {
  const loop = new ReconcileLoop(runtime.deps, {
    holder: context.awsRequestId,
    signal,
    deadline: Date.now() + context.getRemainingTimeInMillis(),
    shape: runtime.environment.runShape,
  });
  const summary = await loop.run();
  await runtime.announcer.flush(Date.now());
  runtime.recordSummary(summary);
  return summary;
}

export const handler = middy(reconcile)
  .use(injectLambdaContext(runtime.logger, { clearState: true }))
  .use(logMetrics(runtime.metrics));
