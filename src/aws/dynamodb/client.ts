import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/*
 * One DynamoDB client per region for the whole process, so connections are reused across
 * calls (and across warm Lambda invocations). Endpoint and credentials come from the SDK's
 * standard chain: AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL point it at DynamoDB Local.
 *
 * Every call is bounded: a connection that hangs (a half-dead TCP connection kept alive, a
 * black-holed network) fails the call within `dynamoDbCallBudgetMs` instead of stalling the
 * reconcile tick waiting for it, while the loop's keep-alive holds the lease and no standby
 * can take over. A failed call is "unknown" to the caller: it is tried again next tick.
 */

export interface DynamoDbClientOptions {
  readonly region: string;
  /**
   * Bound of opening a connection, per attempt.
   * @default 1000
   */
  readonly connectionTimeoutMs?: number | undefined;
  /**
   * Bound of one request on an open connection (its socket idle that long), per attempt. A
   * reconciler Scan of a few hundred small items takes milliseconds.
   * @default 2000
   */
  readonly requestTimeoutMs?: number | undefined;
  /**
   * Attempts per call, the SDK's own retry included; callers retry on their own rhythm (the next tick).
   * @default 2
   */
  readonly maxAttempts?: number | undefined;
  /** Endpoint and credentials for tests and local tools; the SDK's chain otherwise. */
  readonly endpoint?: string | undefined;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
}

export const DYNAMODB_CLIENT_DEFAULTS = { connectionTimeoutMs: 1_000, requestTimeoutMs: 2_000, maxAttempts: 2 } as const;

/** The SDK's standard retry waits at most this long before a second attempt (100 ms × 2, jittered). */
const RETRY_PAUSE_MS = 200;

/** The longest one call can take with these options: every attempt timing out, and the pauses between them. */
export function dynamoDbCallBudgetMs(options: Omit<DynamoDbClientOptions, 'region'> = {}): number {
  const { connectionTimeoutMs, requestTimeoutMs, maxAttempts } = { ...DYNAMODB_CLIENT_DEFAULTS, ...withoutUndefined(options) };
  return maxAttempts * (connectionTimeoutMs + requestTimeoutMs) + (maxAttempts - 1) * RETRY_PAUSE_MS;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}

/** A new client with bounded calls; prefer `dynamoDbClient`, this is for tests and tools that need their own. */
export function createDynamoDbClient(options: DynamoDbClientOptions): DynamoDBClient {
  const settings = { ...DYNAMODB_CLIENT_DEFAULTS, ...withoutUndefined(options) };
  return new DynamoDBClient({
    region: options.region,
    ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
    ...(options.credentials !== undefined ? { credentials: { ...options.credentials } } : {}),
    maxAttempts: settings.maxAttempts,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: settings.connectionTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      // Without this the handler only logs a warning when requestTimeout passes.
      throwOnRequestTimeout: true,
    }),
  });
}

/** A document client over `client` that drops undefined fields (DynamoDB has no such value). */
export function documentClientFor(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

const clients = new Map<string, DynamoDBClient>();
const documentClients = new Map<string, DynamoDBDocumentClient>();

/** The region the environment names, else `fallback` (the config's region). */
export function regionFromEnvironment(fallback: string): string {
  return process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || fallback;
}

/** The process's client for `region`, created on first use with the default bounds. */
export function dynamoDbClient(region: string): DynamoDBClient {
  let client = clients.get(region);
  if (!client) {
    client = createDynamoDbClient({ region });
    clients.set(region, client);
  }
  return client;
}

export function dynamoDbDocumentClient(region: string): DynamoDBDocumentClient {
  let documents = documentClients.get(region);
  if (!documents) {
    documents = documentClientFor(dynamoDbClient(region));
    documentClients.set(region, documents);
  }
  return documents;
}
