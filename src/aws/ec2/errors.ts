import { Ec2FailoverError } from '../../core/errors';

/*
 * Every failure of an EC2 call falls in one of two classes, and only this file decides which:
 * - unknown: throttled, timed out, 5xx, network trouble. Retrying can help; failing over cannot,
 *   so these are never a reason to move ownership.
 * - terminal: EC2 understood the request and refused it (missing ENI, missing permission, …).
 *   Retrying the same request cannot help; the message says what to fix.
 */

/** Stable codes the README's message catalog explains. */
export const Ec2ErrorCode = {
  networkInterfaceNotFound: 'EC2F-E001',
  allocationNotFound: 'EC2F-E002',
  routeTableNotFound: 'EC2F-E003',
  routeNotFound: 'EC2F-E004',
  notAuthorized: 'EC2F-E005',
  instanceNotFound: 'EC2F-E006',
  requestRejected: 'EC2F-E007',
  outcomeUnknown: 'EC2F-E008',
} as const;

export type Ec2TerminalCode = Exclude<(typeof Ec2ErrorCode)[keyof typeof Ec2ErrorCode], typeof Ec2ErrorCode.outcomeUnknown>;

/** What the failed call was about, so a terminal message can name the id to fix. */
export interface Ec2CallContext {
  /** EC2 API action name, e.g. `ReplaceRoute`. */
  readonly operation: string;
  readonly routeTableId?: string | undefined;
  readonly destination?: string | undefined;
  readonly networkInterfaceId?: string | undefined;
  readonly allocationId?: string | undefined;
  readonly instanceId?: string | undefined;
}

export type Ec2ErrorClass =
  | { readonly kind: 'unknown'; readonly awsCode: string; readonly message: string }
  | { readonly kind: 'terminal'; readonly code: Ec2TerminalCode; readonly awsCode: string; readonly message: string };

/** One call that got no answer within its own timeout (the SDK's handler may not have noticed yet). */
export class Ec2CallTimeoutError extends Error {
  readonly timeoutMs: number;
  constructor(operation: string, timeoutMs: number) {
    super(`${operation} got no answer within ${timeoutMs} ms`);
    this.name = 'Ec2CallTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** EC2 refused the request and retrying the same request cannot help. */
/** A mutating call not sent because the caller could not prove it may still act (its lease may be lost). */
export class Ec2NotSentError extends Error {
  constructor(readonly operation: string) {
    super(`${operation} not sent: the lease may be lost or the action's epoch is no longer current`);
    this.name = 'Ec2NotSentError';
  }
}

export class Ec2TerminalError extends Ec2FailoverError {
  readonly awsCode: string;
  readonly operation: string;
  constructor(classified: Extract<Ec2ErrorClass, { kind: 'terminal' }>, operation: string, cause: unknown) {
    super(classified.code, classified.message, { cause });
    this.name = 'Ec2TerminalError';
    this.awsCode = classified.awsCode;
    this.operation = operation;
  }
  /** The message without the code prefix, for outcomes that carry the code separately. */
  get detail(): string {
    return this.message.slice(this.code.length + 1);
  }
}

/** No usable answer from EC2 within the time budget: the change may or may not have happened. */
export class Ec2UnknownError extends Ec2FailoverError {
  readonly awsCode: string;
  readonly operation: string;
  readonly attempts: number;
  constructor(operation: string, awsCode: string, message: string, attempts: number, cause?: unknown) {
    super(Ec2ErrorCode.outcomeUnknown, message, cause === undefined ? undefined : { cause });
    this.name = 'Ec2UnknownError';
    this.awsCode = awsCode;
    this.operation = operation;
    this.attempts = attempts;
  }
}

const THROTTLING_CODES = new Set([
  'RequestLimitExceeded',
  'RequestResourceCountExceeded',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
  'SlowDown',
]);

const SERVER_SIDE_CODES = new Set(['InternalError', 'InternalFailure', 'Unavailable', 'ServiceUnavailable', 'ServiceUnavailableException']);

const TIMEOUT_NAMES = new Set(['TimeoutError', 'AbortError', 'RequestTimeout', 'RequestTimeoutException', 'Ec2CallTimeoutError']);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

/**
 * 4xx answers that are about this control plane's own request or credentials, not about the
 * protected resources: the SDK corrects clock skew and refreshes tokens on the next attempt,
 * and another node would hit them just the same, so they must not count toward a failover.
 */
const RETRYABLE_CLIENT_CODES = new Set(['RequestExpired', 'ExpiredToken', 'ExpiredTokenException', 'IDPCommunicationError']);

interface ErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly Code?: unknown;
  readonly message?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
  readonly $retryable?: { readonly throttling?: unknown };
  readonly cause?: unknown;
}

function shapeOf(error: unknown): ErrorShape {
  return typeof error === 'object' && error !== null ? (error as ErrorShape) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The EC2 error code (`InvalidRoute.NotFound`) or, for errors that never reached EC2, a Node / SDK name. */
export function awsErrorCode(error: unknown): string {
  const shape = shapeOf(error);
  const name = text(shape.name);
  // Node's socket errors are plain `Error`s whose errno (ECONNRESET, …) is the telling part.
  return text(shape.Code) ?? (name !== 'Error' ? name : undefined) ?? text(shape.code) ?? name ?? 'UnknownError';
}

function messageOf(error: unknown): string {
  const shape = shapeOf(error);
  return text(shape.message) ?? String(error);
}

function httpStatus(error: unknown): number | undefined {
  const status = shapeOf(error).$metadata?.httpStatusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Network failures hide their errno in `code`, sometimes one `cause` down. */
function isNetworkFailure(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 3; depth += 1) {
    const shape = shapeOf(current);
    const code = text(shape.code);
    if (code && NETWORK_CODES.has(code)) return true;
    if (/socket hang up|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT/i.test(text(shape.message) ?? '')) return true;
    current = shape.cause;
  }
  return false;
}

function unknown(awsCode: string, message: string): Ec2ErrorClass {
  return { kind: 'unknown', awsCode, message };
}

function terminal(code: Ec2TerminalCode, awsCode: string, message: string): Ec2ErrorClass {
  return { kind: 'terminal', code, awsCode, message };
}

/** Why retrying may help, or undefined when EC2 refused the request for good. */
function retryableReason(error: unknown, awsCode: string): string | undefined {
  const status = httpStatus(error);
  if (THROTTLING_CODES.has(awsCode) || /^Throttl/i.test(awsCode) || shapeOf(error).$retryable?.throttling === true || status === 429) {
    return 'throttled';
  }
  if (SERVER_SIDE_CODES.has(awsCode) || (status !== undefined && status >= 500)) return 'EC2 server error';
  if (TIMEOUT_NAMES.has(awsCode)) return 'timed out';
  if (isNetworkFailure(error)) return 'network error';
  if (RETRYABLE_CLIENT_CODES.has(awsCode)) return 'request or credentials expired';
  return undefined;
}

function mentions(context: Ec2CallContext | undefined, key: keyof Omit<Ec2CallContext, 'operation'>, fallback: string): string {
  return context?.[key] ?? fallback;
}

/** Sorts one failed EC2 call into unknown or terminal, with a message that says what to do. */
export function classifyEc2Error(error: unknown, context?: Ec2CallContext): Ec2ErrorClass {
  const awsCode = awsErrorCode(error);
  const awsMessage = messageOf(error);
  const operation = context?.operation ?? 'the EC2 call';

  const retryable = retryableReason(error, awsCode);
  if (retryable) return unknown(awsCode, `${operation} ${retryable} (${awsCode}: ${awsMessage})`);

  const status = httpStatus(error);
  // Without an HTTP answer nothing proves EC2 refused the request, so it cannot be terminal.
  if (status === undefined) return unknown(awsCode, `${operation} failed before EC2 answered (${awsCode}: ${awsMessage})`);

  if (awsCode.startsWith('InvalidNetworkInterfaceID.')) {
    const eni = mentions(context, 'networkInterfaceId', 'the network interface');
    return terminal(
      Ec2ErrorCode.networkInterfaceNotFound,
      awsCode,
      `${eni} does not exist (${awsCode}): the member's ENI is gone; fix its eni in the config or recreate the interface and attach it to the node`,
    );
  }
  if (awsCode.startsWith('InvalidAllocationID.')) {
    const allocation = mentions(context, 'allocationId', 'the Elastic IP allocation');
    return terminal(
      Ec2ErrorCode.allocationNotFound,
      awsCode,
      `${allocation} does not exist in this account and region (${awsCode}); fix allocationId in the config`,
    );
  }
  if (awsCode.startsWith('InvalidRouteTableID.')) {
    const table = mentions(context, 'routeTableId', 'the route table');
    return terminal(
      Ec2ErrorCode.routeTableNotFound,
      awsCode,
      `${table} does not exist (${awsCode}); fix routeTables in the config, or let the route table selector find it`,
    );
  }
  // EC2 answers a ReplaceRoute for a destination the table lacks with InvalidParameterValue.
  if (awsCode === 'InvalidRoute.NotFound' || (awsCode === 'InvalidParameterValue' && /no route/i.test(awsMessage))) {
    const destination = mentions(context, 'destination', 'the destination');
    const table = mentions(context, 'routeTableId', 'the route table');
    return terminal(
      Ec2ErrorCode.routeNotFound,
      awsCode,
      `${table} has no route for ${destination} (${awsCode}); create it once (aws ec2 create-route) and it will be kept on the owner`,
    );
  }
  if (awsCode === 'UnauthorizedOperation' || awsCode.startsWith('AccessDenied') || awsCode === 'AuthFailure' || status === 401 || status === 403) {
    const permission = context ? `ec2:${context.operation}` : 'the EC2 action';
    return terminal(
      Ec2ErrorCode.notAuthorized,
      awsCode,
      `not allowed to call ${permission} (${awsCode}); grant ${permission} to the control plane's role on the resources it protects`,
    );
  }
  if (awsCode.startsWith('InvalidInstanceID.')) {
    const instance = mentions(context, 'instanceId', 'the instance');
    return terminal(
      Ec2ErrorCode.instanceNotFound,
      awsCode,
      `${instance} does not exist (${awsCode}); fix the node's instanceId in the config`,
    );
  }
  return terminal(Ec2ErrorCode.requestRejected, awsCode, `EC2 rejected ${operation}: ${awsCode}: ${awsMessage}`);
}
