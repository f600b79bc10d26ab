import { connect } from 'node:net';
import type { Probe } from './check-probe';

/** Healthy when a TCP connection to host:port opens in time; it is closed at once. */
export function tcpProbe(host: string, port: number): Probe {
  return (timeoutMs, signal) =>
    new Promise((resolve) => {
      const socket = connect({ host, port });
      const done = (ok: boolean, detail: string) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        socket.destroy();
        resolve({ ok, detail });
      };
      const timer = setTimeout(() => done(false, `no connection to ${host}:${port} within ${timeoutMs / 1000}s`), timeoutMs);
      const onAbort = () => done(false, 'stopped');
      signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => done(true, `connected to ${host}:${port}`));
      socket.once('error', (error: NodeJS.ErrnoException) => done(false, `${error.code ?? error.message} from ${host}:${port}`));
    });
}
