import { createServer } from 'node:net';

/**
 * Asks the kernel for a port nobody listens on by binding port 0 and releasing it.
 * Another process may grab the port before our child binds it, so starters retry on a clash.
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', reject);
    probe.listen({ host, port: 0, exclusive: true }, () => {
      const address = probe.address();
      if (address === null || typeof address === 'string') {
        probe.close();
        reject(new Error('the probe socket has no TCP address'));
        return;
      }
      const { port } = address;
      probe.close(() => resolve(port));
    });
  });
}

/** True when nothing listens on `port`; used before starting a child on a port the caller fixed. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.unref();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}
