import { randomUUID } from 'node:crypto';
import type { RejectedTransitionEvent, TransitionEvents } from '../core/ports';
import { TRANSITION_EVENT_DETAIL_TYPE, TRANSITION_EVENT_SOURCE, type TransitionEvent, type TransitionEventDetail } from '../core/transition-events';
import { EventSinkWriter } from './event-file';

/*
 * Ownership-change events as JSON lines in a file (`controller --events-out FILE`), each in the
 * envelope a rule's target receives from EventBridge, so local runs, tests and demos show exactly
 * what a consumer would get. A failed write rejects: the announcer keeps the events and retries.
 */

export interface TransitionEventEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': typeof TRANSITION_EVENT_DETAIL_TYPE;
  readonly source: typeof TRANSITION_EVENT_SOURCE;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: TransitionEventDetail;
}

export function transitionEnvelope(event: TransitionEvent, region: string): TransitionEventEnvelope {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': TRANSITION_EVENT_DETAIL_TYPE,
    source: TRANSITION_EVENT_SOURCE,
    // EventBridge stamps whole seconds.
    time: new Date(Math.floor(event.at / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [],
    detail: event.detail,
  };
}

export class TransitionEventFile implements TransitionEvents {
  private readonly writer: EventSinkWriter;

  constructor(
    path: string,
    private readonly region: string,
  ) {
    this.writer = new EventSinkWriter(path);
  }

  /** Creates the file (empty) so readers can tail it before the first event. */
  create(): Promise<void> {
    return this.writer.create();
  }

  async publish(events: readonly TransitionEvent[]): Promise<readonly RejectedTransitionEvent[]> {
    await this.writer.append(events.map((event) => transitionEnvelope(event, this.region)));
    return [];
  }
}
