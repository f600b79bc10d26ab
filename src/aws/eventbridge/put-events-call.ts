import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { callErrorFrom, EventBridgeCallError } from './errors';

/*
 * One signed `PutEvents` request over HTTPS (the JSON 1.1 protocol: POST /, target
 * `AWSEvents.PutEvents`), with the SDK's own SigV4 signer and the credentials of a client the
 * process already has. The EventBridge SDK client is not among our dependencies; one action does
 * not need it. The endpoint follows the SDK's variables: AWS_ENDPOINT_URL_EVENTBRIDGE, then
 * AWS_ENDPOINT_URL, else the region's public endpoint.
 */

export interface PutEventsRequestEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  /** Seconds since the epoch. */
  readonly Time?: number | undefined;
  readonly EventBusName?: string | undefined;
  readonly Resources?: readonly string[] | undefined;
}

export interface PutEventsResultEntry {
  readonly EventId?: string;
  readonly ErrorCode?: string;
  readonly ErrorMessage?: string;
}

export interface PutEventsResult {
  readonly FailedEntryCount?: number;
  readonly Entries?: readonly PutEventsResultEntry[];
}

/** The credentials of a client the process already has (`client.config.credentials`). */
export type CredentialsProvider = () => Promise<{ readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string | undefined }>;

type SourceData = string | ArrayBuffer | ArrayBufferView;

export type PutEvents = (entries: readonly PutEventsRequestEntry[]) => Promise<PutEventsResult>;

/** What sends the signed request; `fetch` in production, a stand-in in tests. */
export type HttpSend = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{ status: number; text(): Promise<string> }>;

export interface PutEventsCallOptions {
  readonly region: string;
  readonly credentials: CredentialsProvider;
  /** @default the SDK's endpoint variables, else https://events.<region>.<dns suffix> */
  readonly endpoint?: string | undefined;
  /** Bound of one call. @default 3000 */
  readonly timeoutMs?: number | undefined;
  readonly send?: HttpSend | undefined;
}

export function eventBridgeEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.AWS_ENDPOINT_URL_EVENTBRIDGE?.trim() || env.AWS_ENDPOINT_URL?.trim();
  if (configured) return configured;
  return `https://events.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}

class NodeSha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }
  reset(): void {
    throw new Error('not supported');
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export function putEventsCall(options: PutEventsCallOptions): PutEvents {
  const url = new URL(options.endpoint ?? eventBridgeEndpoint(options.region));
  const signer = new SignatureV4({ service: 'events', region: options.region, credentials: options.credentials, sha256: NodeSha256 });
  const send: HttpSend = options.send ?? ((target, init) => fetch(target, init));
  const timeoutMs = options.timeoutMs ?? 3000;
  return async (entries) => {
    const body = JSON.stringify({ Entries: entries });
    const headers = { host: url.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' };
    const signed = await signer.sign({ method: 'POST', protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path: '/', query: {}, headers, body });
    const { host: _host, ...sent } = signed.headers;
    let answer;
    try {
      answer = await send(new URL('/', url).toString(), { method: 'POST', headers: sent, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new EventBridgeCallError('NoAnswer', undefined, error instanceof Error ? error.message : String(error), { cause: error });
    }
    const text = await answer.text();
    if (answer.status < 200 || answer.status >= 300) throw callErrorFrom(answer.status, text);
    return JSON.parse(text) as PutEventsResult;
  };
}
