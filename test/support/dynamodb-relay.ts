import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/*
 * A TCP relay on 127.0.0.1 in front of a DynamoDB endpoint (DynamoDB Local), for the clients a
 * test points at it; clients pointed elsewhere are untouched, so one relay per chosen client
 * (or group of clients) delays or freezes DynamoDB for them alone. Modes, switchable at any
 * time and applied to the connections already open (kept-alive sockets cannot slip past):
 *
 * - `pass`:  bytes flow both ways as they come.
 * - `delay`: every chunk a client sends reaches DynamoDB `ms` after it arrived (answers are not
 *            delayed): each request takes `ms` longer, in order.
 * - `freeze`: nothing flows either way; requests and answers are held, as if DynamoDB were
 *            SIGSTOPped, and delivered in order once the mode changes (SIGCONT).
 * - `drop`:  every connection is cut, and new ones are cut at once (a network that refuses).
 */

export type RelayMode =
  | { readonly kind: 'pass' }
  | { readonly kind: 'delay'; readonly ms: number }
  | { readonly kind: 'freeze' }
  | { readonly kind: 'drop' };

export interface DynamoDbRelay {
  /** `http://127.0.0.1:<port>`: give it to the chosen clients as their endpoint. */
  readonly endpoint: string;
  readonly mode: RelayMode;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Chunks held right now by a freeze or a delay, in both directions. */
  readonly held: number;
  pass(): void;
  delay(ms: number): void;
  freeze(): void;
  drop(): void;
  /** Cuts every connection and closes the port; held bytes are discarded. */
  stop(): Promise<void>;
}

/** One direction of one connection: chunks delivered in order, each when the mode lets it through. */
class Lane {
  private readonly queue: { readonly chunk: Buffer; readonly arrivedAt: number }[] = [];
  private pumping = false;

  constructor(
    private readonly destination: Socket,
    private readonly delayed: boolean,
    private readonly relay: RelayState,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  push(chunk: Buffer): void {
    this.queue.push({ chunk, arrivedAt: Date.now() });
    if (!this.pumping) void this.pump();
  }

  discard(): void {
    this.queue.length = 0;
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        await this.relay.gate(this.queue[0]!.arrivedAt, this.delayed);
        const next = this.queue.shift();
        if (next === undefined || this.relay.stopped || this.destination.destroyed) break;
        this.destination.write(next.chunk);
      }
    } finally {
      this.pumping = false;
    }
  }
}

class RelayState {
  mode: RelayMode = { kind: 'pass' };
  stopped = false;
  private changed = deferred();

  setMode(mode: RelayMode): void {
    this.mode = mode;
    this.wakeAll();
  }

  stop(): void {
    this.stopped = true;
    this.wakeAll();
  }

  /** Resolves when a chunk that arrived at `arrivedAt` may be delivered under the current mode. */
  async gate(arrivedAt: number, delayed: boolean): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const { mode } = this;
      if (mode.kind === 'freeze') {
        await this.changed.promise;
        continue;
      }
      if (mode.kind === 'delay' && delayed) {
        const remaining = arrivedAt + mode.ms - Date.now();
        if (remaining > 0) {
          await this.sleepUnlessChanged(remaining);
          continue;
        }
      }
      return;
    }
  }

  private async sleepUnlessChanged(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))), this.changed.promise]);
    } finally {
      clearTimeout(timer);
    }
  }

  private wakeAll(): void {
    const previous = this.changed;
    this.changed = deferred();
    previous.resolve();
  }
}

function deferred(): { readonly promise: Promise<void>; readonly resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

interface Connection {
  readonly client: Socket;
  readonly upstream: Socket;
  readonly lanes: readonly Lane[];
}

/** Starts a relay to `target` (an `http://host:port` endpoint) on a free port of 127.0.0.1, in mode `pass`. */
export async function startDynamoDbRelay(target: string): Promise<DynamoDbRelay> {
  const { hostname, port } = new URL(target);
  const state = new RelayState();
  const open = new Set<Connection>();
  let accepted = 0;

  const cut = (connection: Connection) => {
    for (const lane of connection.lanes) lane.discard();
    connection.client.destroy();
    connection.upstream.destroy();
    open.delete(connection);
  };

  const server: Server = createServer((client) => {
    accepted += 1;
    client.on('error', () => client.destroy());
    if (state.mode.kind === 'drop' || state.stopped) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: hostname, port: Number(port) });
    upstream.on('error', () => upstream.destroy());
    const toUpstream = new Lane(upstream, true, state);
    const toClient = new Lane(client, false, state);
    const connection: Connection = { client, upstream, lanes: [toUpstream, toClient] };
    open.add(connection);
    client.on('data', (chunk: Buffer) => toUpstream.push(chunk));
    upstream.on('data', (chunk: Buffer) => toClient.push(chunk));
    client.once('close', () => cut(connection));
    upstream.once('close', () => cut(connection));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;

  const setMode = (mode: RelayMode) => {
    state.setMode(mode);
    if (mode.kind === 'drop') for (const connection of [...open]) cut(connection);
  };

  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    get mode() {
      return state.mode;
    },
    get connections() {
      return accepted;
    },
    get held() {
      let held = 0;
      for (const connection of open) for (const lane of connection.lanes) held += lane.length;
      return held;
    },
    pass: () => setMode({ kind: 'pass' }),
    delay: (ms: number) => {
      if (!(ms >= 0)) throw new RangeError(`delay must be a non-negative number of ms, got ${ms}`);
      setMode({ kind: 'delay', ms });
    },
    freeze: () => setMode({ kind: 'freeze' }),
    drop: () => setMode({ kind: 'drop' }),
    stop: () =>
      new Promise<void>((resolve) => {
        state.stop();
        for (const connection of [...open]) cut(connection);
        server.close(() => resolve());
      }),
  };
}
