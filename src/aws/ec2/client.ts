import { EC2Client } from '@aws-sdk/client-ec2';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { DEFAULT_API_CALL_TIMEOUT_SECONDS } from '../../core/config-rules';

/*
 * AWS clients, created once per process and reused: in Lambda a warm invocation keeps the client
 * and its open connections, which saves a TLS handshake on the failover path.
 *
 * Endpoint and credentials are left to the SDK on purpose. It reads AWS_ENDPOINT_URL_EC2 and
 * AWS_ENDPOINT_URL itself (checked with @aws-sdk/client-ec2 3.1169, in @smithy/core's endpoint
 * config), and the default credential chain (environment, SSO, web identity, container, instance
 * profile). No keys appear in this code; local runs export AWS_ACCESS_KEY_ID like any other tool.
 */

export interface Ec2ClientOptions {
  /** Region of the cluster (its config's `region`); left out, the SDK's own chain (AWS_REGION, profile) decides. */
  readonly region?: string | undefined;
  /**
   * Bound of one request, from the tunable `apiCallTimeoutSeconds`. Ec2Cloud also aborts each call
   * on its own timer; this is the floor under callers that use the client directly.
   * @default 3
   */
  readonly apiCallTimeoutSeconds?: number | undefined;
}


/**
 * A new client; prefer `sharedEc2Client`, this is for tests and tools that need their own.
 *
 * The SDK's retries are off (`maxAttempts: 1`): Ec2Cloud retries with backoff and jitter inside
 * the time budget the tunables give each observation and action, and classifies every failure
 * itself. SDK retries on top would multiply attempts, wait outside that budget, and hide the
 * throttles we count.
 */
export function createEc2Client(options: Ec2ClientOptions = {}): EC2Client {
  const timeoutMs = Math.round((options.apiCallTimeoutSeconds ?? DEFAULT_API_CALL_TIMEOUT_SECONDS) * 1000);
  return new EC2Client({
    ...(options.region !== undefined ? { region: options.region } : {}),
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      connectionTimeout: timeoutMs,
      requestTimeout: timeoutMs,
      // Without this the handler only logs a warning when requestTimeout passes.
      throwOnRequestTimeout: true,
    }),
  });
}

const sharedClients = new Map<string, EC2Client>();

/** The process's EC2 client for these options, created on first use. */
export function sharedEc2Client(options: Ec2ClientOptions = {}): EC2Client {
  const key = `${options.region ?? ''}|${options.apiCallTimeoutSeconds ?? DEFAULT_API_CALL_TIMEOUT_SECONDS}`;
  let client = sharedClients.get(key);
  if (client === undefined) {
    client = createEc2Client(options);
    sharedClients.set(key, client);
  }
  return client;
}
