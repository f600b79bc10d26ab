import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { Readable } from 'node:stream';
import { NodeHttpHandler } from '@smithy/node-http-handler';
// Installed with the SDK (every client signs with it); @aws-sdk/client-cloudwatch is not a dependency.
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { Ec2FailoverError } from '../../core/errors';

/*
 * A small CloudWatch reader: signed AWS JSON 1.0 calls (`X-Amz-Target:
 * GraniteServiceVersion20100801.<Action>` on `monitoring.<region>.amazonaws.com`), the protocol
 * CloudWatch answers besides its Query protocol. It reuses the credentials of another SDK client,
 * honours AWS_ENDPOINT_URL_CLOUDWATCH and AWS_ENDPOINT_URL as the SDK does, and turns every
 * failure into a CloudWatchReadError with AWS's error code.
 */

export class CloudWatchReadError extends Ec2FailoverError {
  /** AWS's error code (`AccessDenied`, `Throttling`, …), or the network failure's name. */
  readonly awsCode: string;
  /** The caller may not read (IAM), as opposed to CloudWatch being unreachable or failing. */
  readonly denied: boolean;
  /** What AWS (or the network) said. */
  readonly reason: string;
  constructor(action: string, awsCode: string, reason: string, cause?: unknown) {
    super('EC2F-W001', `cloudwatch:${action} failed: ${awsCode}: ${reason}`, { cause });
    this.name = 'CloudWatchReadError';
    this.awsCode = awsCode;
    this.reason = reason;
    this.denied = /^(AccessDenied|UnauthorizedOperation|UnrecognizedClient|InvalidClientTokenId|AuthFailure)/.test(awsCode);
  }
}

export interface CloudWatchReaderOptions {
  readonly region: string;
  readonly credentials: AwsCredentialIdentityProvider;
  /** Bound of one call (connect and answer). */
  readonly timeoutMs: number;
  /** @default AWS_ENDPOINT_URL_CLOUDWATCH, else AWS_ENDPOINT_URL, else CloudWatch's regional endpoint */
  readonly endpoint?: string | undefined;
}

export type CloudWatchCall = (action: string, input: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** SHA-256 and HMAC-SHA-256 with Node's crypto, in the shape the signer takes. */
class NodeSha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export function cloudWatchEndpoint(region: string, environment: NodeJS.ProcessEnv = process.env): string {
  const named = environment.AWS_ENDPOINT_URL_CLOUDWATCH ?? environment.AWS_ENDPOINT_URL;
  if (named) return named;
  return `https://monitoring.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}

async function text(body: unknown): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as Readable) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * AWS's error code of a failed JSON call: the Query-compatible header when CloudWatch sends it
 * (`x-amzn-query-error: AccessDenied;Sender`), else the body's `__type` without its namespace.
 */
export function errorCodeOf(status: number, headers: Record<string, string | undefined>, body: string): { code: string; message: string } {
  let parsed: { __type?: string; message?: string; Message?: string } = {};
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    // Not JSON: a proxy's or load balancer's page; the status tells.
  }
  const queryCode = headers['x-amzn-query-error']?.split(';')[0];
  const typeCode = parsed.__type?.split('#').pop()?.split(':')[0];
  const message = parsed.message ?? parsed.Message ?? body.replace(/<[^>]*>/g, ' ');
  return { code: queryCode || typeCode || `HTTP${status}`, message: message.replace(/\s+/g, ' ').trim().slice(0, 200) };
}

/** One signed JSON call per invocation; no retries (a preflight reads once and says what it saw). */
export function cloudWatchCaller(options: CloudWatchReaderOptions): CloudWatchCall {
  const url = new URL(options.endpoint ?? cloudWatchEndpoint(options.region));
  const signer = new SignatureV4({ service: 'monitoring', region: options.region, credentials: options.credentials, sha256: NodeSha256 });
  const handler = new NodeHttpHandler({ connectionTimeout: options.timeoutMs, requestTimeout: options.timeoutMs, throwOnRequestTimeout: true });
  return async (action, input) => {
    const body = JSON.stringify(input);
    const request = {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname || '/',
      query: {},
      headers: { host: url.host, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `GraniteServiceVersion20100801.${action}`, 'x-amzn-query-mode': 'true' },
      body,
    };
    let answer: { statusCode: number; headers: Record<string, string | undefined>; body: string };
    try {
      const signed = await signer.sign(request as never);
      const { response } = await handler.handle(signed as never);
      answer = { statusCode: response.statusCode, headers: response.headers, body: await text(response.body) };
    } catch (error) {
      const failure = error as Error & { code?: string };
      throw new CloudWatchReadError(action, failure.code ?? failure.name ?? 'Error', failure.message, error);
    }
    if (answer.statusCode >= 300) {
      const { code, message } = errorCodeOf(answer.statusCode, answer.headers, answer.body);
      throw new CloudWatchReadError(action, code, message);
    }
    return JSON.parse(answer.body || '{}') as Record<string, unknown>;
  };
}
