import { Ec2FailoverError } from '../../core/errors';

/** The code of every wake-up of the reconciler that failed (the README's catalog explains it). */
export const WAKE_FAILED = 'EC2F-F003';

/** What each Lambda error says about a wake, in the operator's terms. */
const EXPLANATIONS: Readonly<Record<string, (functionName: string) => string>> = {
  AccessDeniedException: (fn) => `this role lacks lambda:InvokeFunction on ${fn}`,
  ResourceNotFoundException: (fn) => `${fn} is not deployed in this account and region, or the reconciler runs resident (no wake needed)`,
  TooManyRequestsException: () => 'Lambda throttled the wake',
};

/**
 * An asynchronous Invoke of the reconciler that failed: Lambda's error name and HTTP status, or
 * no answer in time. Nothing else changes: the next scheduled run acts instead.
 */
export class ReconcilerWakeError extends Ec2FailoverError {
  constructor(
    readonly functionName: string,
    readonly awsCode: string,
    readonly httpStatus: number | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    const status = httpStatus === undefined ? '' : ` (HTTP ${httpStatus})`;
    super(WAKE_FAILED, `wake of ${functionName} failed: ${awsCode}${status}: ${detail}; the next scheduled run acts instead`, options);
    this.name = 'ReconcilerWakeError';
  }
}

interface SdkErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/** Translates what an Invoke threw (a Lambda exception, a timeout, a refused connection). */
export function wakeErrorFrom(functionName: string, error: unknown): ReconcilerWakeError {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  const httpStatus = typeof status === 'number' ? status : undefined;
  const awsCode = typeof shape.name === 'string' && shape.name !== 'Error' ? shape.name : typeof shape.code === 'string' ? shape.code : 'NoAnswer';
  const message = typeof shape.message === 'string' && shape.message !== '' ? shape.message : String(error);
  const detail = EXPLANATIONS[awsCode]?.(functionName) ?? message;
  return new ReconcilerWakeError(functionName, awsCode, httpStatus, detail, { cause: error });
}
