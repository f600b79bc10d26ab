import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

export interface UpstreamAnswer {
  readonly status: number;
  readonly statusMessage: string | undefined;
  /** Header names and values as received, alternating, with their case and order. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

export function readBody(message: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    message.on('data', (chunk: Buffer) => chunks.push(chunk));
    message.on('end', () => resolve(Buffer.concat(chunks)));
    message.on('error', reject);
  });
}

/** Sends the client's request on to `upstream`, with `body` (possibly rewritten) and its headers. */
export function forwardRequest(upstream: URL, request: IncomingMessage, path: string, body: Buffer, contentType?: string): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | string[] | undefined> = { ...request.headers, host: upstream.host };
    headers['content-length'] = String(body.length);
    delete headers['transfer-encoding'];
    if (contentType !== undefined) headers['content-type'] = contentType;
    const outgoing = httpRequest({ host: upstream.hostname, port: upstream.port, method: request.method, path, headers }, (answer) => {
      readBody(answer).then(
        (answerBody) => resolve({ status: answer.statusCode ?? 502, statusMessage: answer.statusMessage, rawHeaders: answer.rawHeaders, body: answerBody }),
        reject,
      );
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Answers the client with the upstream answer: same status, headers (case and order kept) and body. */
export function relayAnswer(response: ServerResponse, answer: UpstreamAnswer, replacedBody?: Buffer): void {
  const body = replacedBody ?? answer.body;
  const headers: string[] = [];
  let hasLength = false;
  for (let index = 0; index < answer.rawHeaders.length; index += 2) {
    const name = answer.rawHeaders[index] as string;
    const value = answer.rawHeaders[index + 1] as string;
    const lower = name.toLowerCase();
    // The body is relayed whole, so its length is known; chunked framing would no longer be true.
    if (lower === 'transfer-encoding') continue;
    if (lower === 'content-length') {
      if (replacedBody !== undefined) continue;
      hasLength = true;
    }
    headers.push(name, value);
  }
  if (!hasLength) headers.push('Content-Length', String(body.length));
  response.writeHead(answer.status, answer.statusMessage, headers);
  response.end(body);
}
