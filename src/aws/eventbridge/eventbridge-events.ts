import type { RejectedTransitionEvent, TransitionEvents } from '../../core/ports';
import { TRANSITION_EVENT_DETAIL_TYPE, TRANSITION_EVENT_SOURCE, type TransitionEvent } from '../../core/transition-events';
import type { PutEvents, PutEventsRequestEntry } from './put-events-call';

/*
 * Ownership-change events on the account's default EventBridge bus. PutEvents takes at most 10
 * entries a call; its answer lists one result per entry, in order, and a refused entry carries an
 * ErrorCode (FailedEntryCount counts them). Those come back as rejected; a whole call that fails
 * rejects every event it carried, and the next batch is still tried.
 */

/** The most entries one PutEvents call takes. */
export const PUT_EVENTS_MAX_ENTRIES = 10;

export function putEventsEntry(event: TransitionEvent): PutEventsRequestEntry {
  return {
    Source: TRANSITION_EVENT_SOURCE,
    DetailType: TRANSITION_EVENT_DETAIL_TYPE,
    Detail: JSON.stringify(event.detail),
    Time: Math.floor(event.at / 1000),
  };
}

export class EventBridgeTransitionEvents implements TransitionEvents {
  constructor(private readonly putEvents: PutEvents) {}

  async publish(events: readonly TransitionEvent[]): Promise<readonly RejectedTransitionEvent[]> {
    const rejected: RejectedTransitionEvent[] = [];
    for (let start = 0; start < events.length; start += PUT_EVENTS_MAX_ENTRIES) {
      rejected.push(...(await this.publishBatch(events.slice(start, start + PUT_EVENTS_MAX_ENTRIES))));
    }
    return rejected;
  }

  private async publishBatch(batch: readonly TransitionEvent[]): Promise<RejectedTransitionEvent[]> {
    let result;
    try {
      result = await this.putEvents(batch.map(putEventsEntry));
    } catch (error) {
      return batch.map((event) => ({ key: event.key, error: error instanceof Error ? error.message : String(error) }));
    }
    if (!result.FailedEntryCount) return [];
    return batch.flatMap((event, index) => {
      const entry = result.Entries?.[index];
      // An entry without a result is not known to be delivered: send it again.
      if (entry?.EventId && !entry.ErrorCode) return [];
      return [{ key: event.key, error: `${entry?.ErrorCode ?? 'NoResult'}: ${entry?.ErrorMessage ?? 'no result for this entry'}` }];
    });
  }
}
