import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { EventError, parseNodeEvent } from '../../src/core/events';
import type { StoredSignal } from '../../src/core/ports';
import { eventsRuntime } from '../runtime/runtime';

/*
 * Records an EC2 state change (up or down) or CloudWatch alarm change for the reconcile loop,
 * which reads recorded signals every tick, then wakes an on-demand reconciler so a run judges it
 * at once. It decides nothing itself. The signal keeps the event's own time, so a late or replayed
 * event never passes for a new one.
 */
const runtime = eventsRuntime();

async function recordNodeEvent(event: unknown): Promise<{ readonly recorded: boolean }> {
  let stored: StoredSignal;
  try {
    stored = parseNodeEvent(event);
  } catch (error) {
    if (!(error instanceof EventError)) throw error;
    // Retrying cannot make a malformed event valid: log it for the operator and let it go.
    runtime.logger.error(error.message, { code: error.code });
    return { recorded: false };
  }
  await runtime.signals.recordSignal(stored);
  runtime.logger.info('node event recorded', { ...stored.signal, eventTime: new Date(stored.at).toISOString() });
  // A wake never throws: a failed one is logged, and the next scheduled run reads the signal.
  await runtime.reconciler?.wake({ reason: 'node-event' });
  return { recorded: true };
}

export const handler = middy(recordNodeEvent).use(injectLambdaContext(runtime.logger, { clearState: true }));
