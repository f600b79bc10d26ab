import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * Several local controllers stand for one deployed function: a wake sent to the function may
 * start a run in any of its execution environments. The relay takes each Invoke request, answers
 * 202 at once as Lambda does for an `Event` invocation, and passes it on to every controller's
 * wake listener (one that is killed or frozen simply misses it, as a dead environment would).
 * It listens on 127.0.0.1 and forwards to 127.0.0.1 only.
 */

const FORWARD_TIMEOUT_MS = 1_000;

export interface WakeRelay {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** `targets()`: the controllers' wake ports, asked at each request (controllers come and go). */
export async function startWakeRelay(targets: () => readonly number[]): Promise<WakeRelay> {
  const server = createServer((incoming, response) => relay(incoming, response, targets()));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function relay(incoming: IncomingMessage, response: ServerResponse, ports: readonly number[]): void {
  const chunks: Buffer[] = [];
  incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
  incoming.on('end', () => {
    response.writeHead(202, { 'content-length': '0' }).end();
    const body = Buffer.concat(chunks);
    for (const port of ports) forward(port, incoming.method ?? 'POST', incoming.url ?? '/', body);
  });
}

function forward(port: number, method: string, path: string, body: Buffer): void {
  const out = httpRequest({ host: '127.0.0.1', port, method, path, timeout: FORWARD_TIMEOUT_MS, headers: { 'content-length': body.length } }, (answer) => answer.resume());
  out.on('timeout', () => out.destroy());
  out.on('error', () => undefined);
  out.end(body);
}
