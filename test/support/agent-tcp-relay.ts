import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/*
 * A TCP relay on 127.0.0.1 in front of another local endpoint (DynamoDB Local), which a test
 * can cut: `hang` holds every connection open without passing a byte (a black-holed network:
 * calls time out), `pass` relays again. Cutting also drops the connections already open, so a
 * client's kept-alive sockets do not slip past it.
 */

export type RelayMode = 'pass' | 'hang';

export interface TcpRelay {
  readonly endpoint: string;
  setMode(mode: RelayMode): void;
  stop(): Promise<void>;
}

export async function startTcpRelay(target: string): Promise<TcpRelay> {
  const { hostname, port } = new URL(target);
  let mode: RelayMode = 'pass';
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
  };

  const server: Server = createServer((client) => {
    track(client);
    if (mode === 'hang') return;
    const upstream = connect({ host: hostname, port: Number(port) });
    track(upstream);
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    setMode(next) {
      mode = next;
      if (next === 'hang') for (const socket of open) socket.destroy();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
