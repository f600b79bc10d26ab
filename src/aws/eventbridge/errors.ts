import { Ec2FailoverError } from '../../core/errors';

/** The code of every event not put on the bus (the README's catalog explains it). */
export const EVENTS_NOT_DELIVERED = 'EC2F-N001';

/**
 * A PutEvents call that failed as a whole: EventBridge's error (`__type` of its JSON answer and
 * the HTTP status), or no answer in time. The events are kept and sent again next tick.
 */
export class EventBridgeCallError extends Ec2FailoverError {
  constructor(
    readonly awsCode: string,
    readonly httpStatus: number | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(EVENTS_NOT_DELIVERED, `PutEvents failed: ${awsCode}${httpStatus === undefined ? '' : ` (HTTP ${httpStatus})`}: ${detail}`, options);
    this.name = 'EventBridgeCallError';
  }
}

/** `AccessDeniedException` from `com.amazonaws.events#AccessDeniedException` or a bare name alike. */
export function awsErrorName(type: unknown): string {
  if (typeof type !== 'string' || type === '') return 'UnknownError';
  return type.slice(type.lastIndexOf('#') + 1).split(':')[0]!;
}

/** Translates a non-2xx answer (JSON 1.1 error shape) into a typed error. */
export function callErrorFrom(status: number, body: string): EventBridgeCallError {
  let parsed: { __type?: unknown; message?: unknown; Message?: unknown } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // Not JSON (a proxy's HTML page, say): keep the text.
  }
  const message = typeof parsed.message === 'string' ? parsed.message : typeof parsed.Message === 'string' ? parsed.Message : body.slice(0, 200);
  return new EventBridgeCallError(awsErrorName(parsed.__type), status, message);
}
