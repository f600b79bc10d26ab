import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '../../../src/local/dynamodb-local';
import { findFreePort } from '../../../src/local/free-port';
import { groupListensOn } from '../../../src/local/listening-port';

/*
 * A port chosen free can be taken by another server (another test's moto on 127.0.0.1) before
 * our child binds it; that server then answers the readiness probe in our child's place while
 * our child dies of "address in use". Found when a frozen private DynamoDB Local kept answering:
 * the answers came from a moto server that held its port.
 */

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

/** Answers every request as DynamoDB's ListTables would, as moto's server does. */
async function foreignServer(port: number): Promise<Server> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    response.end('{"TableNames":[]}');
  });
  servers.push(server);
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

describe('a server started on a port someone else takes first', () => {
  it('is not taken for ready when another server answers in its place', async () => {
    // Prepare: the port is free when chosen, taken by another server before the JVM binds it
    const port = await findFreePort('0.0.0.0');
    const starting = startDynamoDbLocal({ port, startTimeoutMs: 20_000 }).then(
      async (local) => {
        await local.stop();
        return 'resolved';
      },
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    await foreignServer(port).catch(() => undefined);

    // Act
    const outcome = await starting;

    // Assess
    expect(outcome).toMatchObject({ code: 'EC2F-L006' });
  }, 30_000);
});

describe('groupListensOn', () => {
  it('tells a listening socket of the group from one held by another process', async () => {
    // Prepare
    const ownPort = await findFreePort('127.0.0.1');
    await foreignServer(ownPort);
    const childPort = await findFreePort('127.0.0.1');
    const child = spawn(process.execPath, ['-e', `require('http').createServer(()=>{}).listen(${childPort}, '127.0.0.1', () => console.log('up'))`], {
      detached: true,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    try {
      await once(child.stdout!, 'data');

      // Act
      const holdsChildPort = groupListensOn(child.pid!, childPort);
      const holdsOwnPort = groupListensOn(child.pid!, ownPort);
      const freePort = groupListensOn(child.pid!, await findFreePort('127.0.0.1'));

      // Assess
      expect([holdsChildPort, holdsOwnPort, freePort]).toEqual([true, false, false]);
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
  });
});
