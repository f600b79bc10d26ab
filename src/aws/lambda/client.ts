import { LambdaClient } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/*
 * The Lambda client that wakes the reconciler. A wake is a hint, so its calls are short: a
 * connection that hangs costs seconds, never a loop's rhythm. Endpoint and credentials come from
 * the SDK's standard chain: AWS_ENDPOINT_URL_LAMBDA / AWS_ENDPOINT_URL point it at a local
 * stand-in.
 */

export interface LambdaClientOptions {
  readonly region: string;
  /**
   * Bound of opening a connection, per attempt.
   * @default 1000
   */
  readonly connectionTimeoutMs?: number | undefined;
  /**
   * Bound of one request on an open connection, per attempt.
   * @default 2000
   */
  readonly requestTimeoutMs?: number | undefined;
  /**
   * Attempts per call, the SDK's own retry included.
   * @default 2
   */
  readonly maxAttempts?: number | undefined;
}

export const LAMBDA_CLIENT_DEFAULTS = { connectionTimeoutMs: 1_000, requestTimeoutMs: 2_000, maxAttempts: 2 } as const;

/** A new client with bounded calls; prefer `lambdaClient`, this is for processes that destroy theirs. */
export function createLambdaClient(options: LambdaClientOptions): LambdaClient {
  const connectionTimeout = options.connectionTimeoutMs ?? LAMBDA_CLIENT_DEFAULTS.connectionTimeoutMs;
  const requestTimeout = options.requestTimeoutMs ?? LAMBDA_CLIENT_DEFAULTS.requestTimeoutMs;
  return new LambdaClient({
    region: options.region,
    maxAttempts: options.maxAttempts ?? LAMBDA_CLIENT_DEFAULTS.maxAttempts,
    // Without throwOnRequestTimeout the handler only logs a warning when requestTimeout passes.
    requestHandler: new NodeHttpHandler({ connectionTimeout, requestTimeout, throwOnRequestTimeout: true }),
  });
}

const clients = new Map<string, LambdaClient>();

/** The process's client for `region`, created on first use with the default bounds. */
export function lambdaClient(region: string): LambdaClient {
  const client = clients.get(region) ?? createLambdaClient({ region });
  clients.set(region, client);
  return client;
}
