import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WAKE_SOURCE } from '../names';

/*
 * A stand-in for Lambda's Invoke API in front of an on-demand controller, so agents and operator
 * commands wake it exactly as they wake the deployed function (the SDK's InvokeCommand, pointed
 * here by AWS_ENDPOINT_URL_LAMBDA). It answers `POST /2015-03-31/functions/<name>/invocations`
 * for the one function name it serves: 202 for an `Event` invocation, as Lambda does, and
 * Lambda's ResourceNotFoundException for any other name. It listens on 127.0.0.1 only.
 */

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const MAX_PAYLOAD_BYTES = 256 * 1024;

export interface WakeListener {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** What an invocation said of itself: a wake-up's reason and sender, or an ordinary start. */
export interface Invocation {
  readonly reason: string;
  readonly from: string;
}

export async function listenForWakes(port: number, functionName: string, onInvoke: (invocation: Invocation) => void): Promise<WakeListener> {
  const server = createServer((request, response) => handle(request, response, functionName, onInvoke));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${address.port}`, close: () => closeServer(server) };
}

function handle(request: IncomingMessage, response: ServerResponse, functionName: string, onInvoke: (invocation: Invocation) => void): void {
  const match = request.method === 'POST' ? INVOKE_PATH.exec((request.url ?? '').split('?')[0]!) : null;
  if (!match) return answerError(response, 404, 'ResourceNotFoundException', `no such API: ${request.method} ${request.url}`);
  const name = decodeURIComponent(match[1]!);
  if (name !== functionName && !name.endsWith(`:function:${functionName}`)) {
    return answerError(response, 404, 'ResourceNotFoundException', `Function not found: ${name}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  request.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_PAYLOAD_BYTES) chunks.push(chunk);
  });
  request.on('end', () => {
    if (size > MAX_PAYLOAD_BYTES) return answerError(response, 413, 'RequestTooLargeException', 'payload over 256 KB');
    onInvoke(invocationOf(Buffer.concat(chunks).toString('utf8')));
    response.writeHead(202, { 'x-amzn-RequestId': `local-${Date.now()}`, 'content-length': '0' }).end();
  });
}

function invocationOf(payload: string): Invocation {
  try {
    const parsed = JSON.parse(payload) as { source?: unknown; reason?: unknown; from?: unknown };
    if (parsed?.source === WAKE_SOURCE) return { reason: String(parsed.reason ?? 'unspecified'), from: String(parsed.from ?? 'unknown') };
  } catch {
    // Not JSON: an ordinary start all the same.
  }
  return { reason: 'invoked', from: 'unknown' };
}

function answerError(response: ServerResponse, status: number, type: string, message: string): void {
  const body = JSON.stringify({ Type: 'User', message });
  response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-ErrorType': type, 'content-length': Buffer.byteLength(body) }).end(body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
