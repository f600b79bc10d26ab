import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/*
 * A stand-in for the EC2 instance metadata service, so an agent runs off EC2 exactly as on it:
 * IMDSv2 only (PUT /latest/api/token with the TTL header gives a token; every GET under
 * /latest/meta-data/ needs it, 401 without). It serves the paths the agent reads, on 127.0.0.1.
 */

export interface StandInInterface {
  /** Lowercase, colon-separated. */
  readonly mac: string;
  readonly eni: string;
  readonly deviceNumber: number;
  readonly localIpv4s: readonly string[];
}

export interface ImdsStandInOptions {
  readonly instanceId: string;
  readonly region: string;
  readonly interfaces: readonly StandInInterface[];
  /** 0 (the default) picks a free one. */
  readonly port?: number;
}

export interface ImdsStandIn {
  readonly endpoint: string;
  /** Requests served, as `GET /latest/meta-data/instance-id`. */
  readonly requests: readonly string[];
  /** GETs refused for want of a valid token. */
  readonly unauthorized: number;
  /** Forgets every token handed out, as their TTL running out would. */
  revokeTokens(): void;
  stop(): Promise<void>;
}

function metadataOf(options: ImdsStandInOptions): Map<string, string> {
  const metadata = new Map<string, string>([
    ['instance-id', options.instanceId],
    ['placement/region', options.region],
    ['placement/availability-zone', `${options.region}a`],
    ['network/interfaces/macs/', options.interfaces.map((i) => `${i.mac}/`).join('\n')],
  ]);
  for (const i of options.interfaces) {
    const base = `network/interfaces/macs/${i.mac}`;
    metadata.set(`${base}/interface-id`, i.eni);
    metadata.set(`${base}/device-number`, String(i.deviceNumber));
    metadata.set(`${base}/local-ipv4s`, i.localIpv4s.join('\n'));
    metadata.set(`${base}/mac`, i.mac);
  }
  return metadata;
}

export async function startImdsStandIn(options: ImdsStandInOptions): Promise<ImdsStandIn> {
  const tokens = new Set<string>();
  const requests: string[] = [];
  let unauthorized = 0;
  const metadata = metadataOf(options);
  const answer = (response: ServerResponse, status: number, body: string) => {
    response.writeHead(status, { 'content-type': 'text/plain' });
    response.end(body);
  };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = request.url ?? '/';
    requests.push(`${request.method} ${path}`);
    if (request.method === 'PUT' && path === '/latest/api/token') {
      const ttl = Number(request.headers['x-aws-ec2-metadata-token-ttl-seconds']);
      if (!(ttl >= 1 && ttl <= 21_600)) return answer(response, 400, 'missing or invalid TTL header');
      const token = randomBytes(16).toString('base64');
      tokens.add(token);
      return answer(response, 200, token);
    }
    if (request.method !== 'GET') return answer(response, 405, 'method not allowed');
    const token = request.headers['x-aws-ec2-metadata-token'];
    if (typeof token !== 'string' || !tokens.has(token)) {
      unauthorized += 1;
      return answer(response, 401, 'IMDSv2 token required');
    }
    const prefix = '/latest/meta-data/';
    const value = path.startsWith(prefix) ? metadata.get(path.slice(prefix.length)) : undefined;
    return value === undefined ? answer(response, 404, 'not found') : answer(response, 200, value);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    get unauthorized() {
      return unauthorized;
    },
    revokeTokens: () => tokens.clear(),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
