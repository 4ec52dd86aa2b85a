/**
 * A real socket.io relay on a bare Node HTTP server (no app around it), and real socket.io
 * clients, for the relay's own tests. Every client can bind its source address, so a
 * "different network" is 127.0.0.2 talking to a server on 127.0.0.1.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import {
  TUNNEL_NAMESPACE,
  type PairClosed,
  type PairCreateAck,
  type PairJoinAck,
  type PairJoined,
  type PairMsg,
  type TunnelClientToServer,
  type TunnelServerToClient,
} from '../../../../server/protocol/tunnel';
import {
  attachTunnel,
  type RelayObservation,
  type Tunnel,
  type TunnelOptions,
} from '../../../../server/tunnel/relay';

/** `headers`: more request headers (an Origin, say) on the handshake. */
export type ClientOptions = {
  localAddress?: string;
  userAgent?: string;
  headers?: Record<string, string>;
};

export type Harness = {
  url: string;
  tunnel: Tunnel;
  observed: RelayObservation[];
  client(opts?: ClientOptions): Promise<TestClient>;
  close(): Promise<void>;
};

/** Collects every event of one kind; `next()` hands them out in order, waiting if needed (no sleeps). */
class Inbox<T> {
  readonly items: T[] = [];
  private cursor = 0;
  private waiters: (() => void)[] = [];
  push(v: T) {
    this.items.push(v);
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w();
  }
  /** The n-th item (0-based), now or when it arrives. */
  at(n: number): Promise<T> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.items.length > n) resolve(this.items[n]!);
        else this.waiters.push(check);
      };
      check();
    });
  }
  /** The next item not yet handed out by next(). */
  next(): Promise<T> {
    return this.at(this.cursor++);
  }
}

export type TestClient = {
  socket: Socket<TunnelServerToClient, TunnelClientToServer>;
  joined: Inbox<PairJoined>;
  msgs: Inbox<PairMsg>;
  closed: Inbox<PairClosed>;
  disconnected: Promise<string>;
  create(): Promise<PairCreateAck>;
  join(pairingId: string): Promise<PairJoinAck>;
  emitRaw(event: string, ...args: unknown[]): void;
  ack<T>(event: string, payload: unknown): Promise<T>;
  close(): void;
};

export async function startRelay(opts: TunnelOptions = {}): Promise<Harness> {
  const server = http.createServer((_req, res) => {
    res.statusCode = 404;
    res.end();
  });
  const observed: RelayObservation[] = [];
  const tunnel = attachTunnel(server, {
    ...opts,
    observer: (o) => {
      observed.push(o);
      opts.observer?.(o);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const clients: TestClient[] = [];

  return {
    url,
    tunnel,
    observed,
    async client(o = {}) {
      const agent = o.localAddress ? new http.Agent({ localAddress: o.localAddress }) : undefined;
      const socket = connect(url + TUNNEL_NAMESPACE, {
        transports: ['websocket'],
        forceNew: true,
        reconnection: false,
        agent: agent as unknown as string, // socket.io-client types say string; ws takes an http.Agent
        extraHeaders: {
          ...(o.userAgent ? { 'user-agent': o.userAgent } : {}),
          ...o.headers,
        },
      }) as Socket<TunnelServerToClient, TunnelClientToServer>;
      const joined = new Inbox<PairJoined>();
      const msgs = new Inbox<PairMsg>();
      const closed = new Inbox<PairClosed>();
      socket.on('pair:joined', (e) => joined.push(e));
      socket.on('pair:msg', (e) => msgs.push(e));
      socket.on('pair:closed', (e) => closed.push(e));
      const disconnected = new Promise<string>((resolve) =>
        socket.on('disconnect', (r) => resolve(r)),
      );
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', reject);
      });
      const raw = socket as unknown as { emit(ev: string, ...a: unknown[]): void };
      const c: TestClient = {
        socket,
        joined,
        msgs,
        closed,
        disconnected,
        create: () => new Promise((resolve) => socket.emit('pair:create', {}, resolve)),
        join: (pairingId) =>
          new Promise((resolve) => socket.emit('pair:join', { pairingId }, resolve)),
        emitRaw: (event, ...args) => raw.emit(event, ...args),
        ack: (event, payload) => new Promise((resolve) => raw.emit(event, payload, resolve)),
        close: () => {
          socket.disconnect();
          agent?.destroy();
        },
      };
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.close();
      await tunnel.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
