import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { EventError, parseNodeEvent } from '../../src/core/events';
import type { NodeSignal } from '../../src/core/model';
import { eventsRuntime } from '../runtime/runtime';

/*
 * Records an EC2 state change or CloudWatch alarm change for the running reconcile loop, which
 * reads recorded signals every tick. It decides nothing itself: the next tick does.
 */
const runtime = eventsRuntime();

async function recordNodeEvent(event: unknown): Promise<{ readonly recorded: boolean }> {
  let signal: NodeSignal;
  try {
    signal = parseNodeEvent(event);
  } catch (error) {
    if (!(error instanceof EventError)) throw error;
    // Retrying cannot make a malformed event valid: log it for the operator and let it go.
    runtime.logger.error(error.message, { code: error.code });
    return { recorded: false };
  }
  await runtime.signals.recordSignal({ signal, at: Date.now() });
  runtime.logger.info('node event recorded', { ...signal });
  return { recorded: true };
}

export const handler = middy(recordNodeEvent).use(injectLambdaContext(runtime.logger, { clearState: true }));
