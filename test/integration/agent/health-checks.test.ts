import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAgentConfig, type CheckConfig } from '../../../src/agent/agent-config';
import { silentAgentLogger } from '../../../src/agent/agent-logger';
import { commandProbe } from '../../../src/agent/check-command';
import { httpProbe } from '../../../src/agent/check-http';
import { tcpProbe } from '../../../src/agent/check-tcp';
import { HealthChecks } from '../../../src/agent/health-checks';
import { eventually } from '../../support/cli-process';

/*
 * The three kinds of health check against servers and processes on this machine (127.0.0.1
 * only): what counts as healthy, what the detail says, and that a timeout kills what it started.
 */

let workDir: string;
let http: HttpServer;
let httpBase: string;
let tcpOpen: Server;
let openPort: number;
let closedPort: number;
const never = new AbortController().signal;

async function listen(server: Server | HttpServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

/** A killed process may linger as a zombie until whoever adopted it reaps it: that is dead too. */
function processAlive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2] !== 'Z';
  } catch {
    return false;
  }
}

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'ec2f-agent-checks-'));
  http = createHttpServer((request, response) => {
    const status = Number(request.url?.slice(1)) || 200;
    if (request.url === '/slow') return void setTimeout(() => response.end('late'), 2000);
    response.writeHead(status, status >= 300 && status < 400 ? { location: '/200' } : {});
    response.end(String(status));
  });
  httpBase = `http://127.0.0.1:${await listen(http)}`;
  tcpOpen = createServer((socket) => socket.destroy());
  openPort = await listen(tcpOpen);
  const probe = createServer();
  closedPort = await listen(probe);
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  http?.closeAllConnections();
  await new Promise((resolve) => http?.close(resolve));
  await new Promise((resolve) => tcpOpen?.close(resolve));
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('commandProbe', () => {
  it('is healthy on exit code 0 and reports the last line of output otherwise', async () => {
    // Act
    const ok = await commandProbe(['true'])(1000, never);
    const failing = await commandProbe('echo checking; echo "replica lag 42s" >&2; exit 3')(1000, never);

    // Assess
    expect(ok).toEqual({ ok: true, detail: 'exit 0' });
    expect(failing).toEqual({ ok: false, detail: 'exit 3: replica lag 42s' });
  });

  it('kills the whole process group on timeout, children included', async () => {
    // Prepare: a shell that starts a grandchild and records its pid
    const pidFile = join(workDir, 'grandchild.pid');

    // Act
    const result = await commandProbe(`sleep 30 & echo $! > ${pidFile}; wait`)(300, never);

    // Assess
    expect(result).toEqual({ ok: false, detail: 'timed out after 0.3s, killed' });
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    await eventually(async () => (processAlive(grandchild) ? undefined : true), 2000);
  });

  it('reports a program that cannot start', async () => {
    // Act
    const result = await commandProbe(['/nonexistent/check-binary'])(1000, never);

    // Assess
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/^could not start: .*ENOENT/);
  });
});

describe('httpProbe', () => {
  it('is healthy on 2xx and 3xx (redirects not followed), unhealthy on 5xx', async () => {
    // Act
    const results = await Promise.all(['/200', '/302', '/503'].map((path) => httpProbe(`${httpBase}${path}`)(1000, never)));

    // Assess
    expect(results).toEqual([
      { ok: true, detail: 'HTTP 200' },
      { ok: true, detail: 'HTTP 302' },
      { ok: false, detail: 'HTTP 503, expected 2xx or 3xx' },
    ]);
  });

  it('accepts only the expected status when one is given', async () => {
    // Act
    const wanted = await httpProbe(`${httpBase}/204`, [204])(1000, never);
    const other = await httpProbe(`${httpBase}/200`, 204)(1000, never);

    // Assess
    expect(wanted.ok).toBe(true);
    expect(other).toEqual({ ok: false, detail: 'HTTP 200, expected 204' });
  });

  it('fails on a slow answer or a refused connection', async () => {
    // Act
    const slow = await httpProbe(`${httpBase}/slow`)(200, never);
    const refused = await httpProbe(`http://127.0.0.1:${closedPort}/`)(1000, never);

    // Assess
    expect(slow).toEqual({ ok: false, detail: 'no answer within 0.2s' });
    expect(refused).toEqual({ ok: false, detail: 'ECONNREFUSED' });
  });
});

describe('tcpProbe', () => {
  it('is healthy when a connection opens, unhealthy when refused', async () => {
    // Act
    const open = await tcpProbe('127.0.0.1', openPort)(1000, never);
    const closed = await tcpProbe('127.0.0.1', closedPort)(1000, never);

    // Assess
    expect(open).toEqual({ ok: true, detail: `connected to 127.0.0.1:${openPort}` });
    expect(closed).toEqual({ ok: false, detail: `ECONNREFUSED from 127.0.0.1:${closedPort}` });
  });
});

describe('HealthChecks', () => {
  it('reports every check by name, pending until its first run, then its latest result', async () => {
    // Prepare
    const { checks } = parseAgentConfig({
      cluster: 'c',
      checks: [
        { name: 'port', type: 'tcp', port: openPort, intervalSeconds: 0.05, required: true },
        { name: 'script', type: 'command', command: 'exit 1', intervalSeconds: 0.05 },
      ],
    });
    const health = new HealthChecks(checks as CheckConfig[], silentAgentLogger);
    const stop = new AbortController();

    // Act
    const before = health.results();
    const running = health.run(stop.signal);
    await eventually(async () => (health.results().every((r) => !r.detail?.startsWith('pending')) ? true : undefined), 3000, 10);
    stop.abort();
    await running;

    // Assess
    expect(before).toEqual([
      { name: 'port', ok: false, required: true, detail: 'pending: first run not finished' },
      { name: 'script', ok: false, required: false, detail: 'pending: first run not finished' },
    ]);
    expect(health.results()).toEqual([
      { name: 'port', ok: true, required: true, detail: `connected to 127.0.0.1:${openPort}` },
      { name: 'script', ok: false, required: false, detail: 'exit 1' },
    ]);
  });
});
