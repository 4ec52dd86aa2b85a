/**
 * Relay clients that come from a chosen loopback address (127.0.0.2, 127.0.1.7, ... stand in
 * for other networks; HTTP from one is `call` with `localAddress`, test/support/http.ts), and
 * a forwarding reverse proxy that appends X-Forwarded-For like nginx's
 * $proxy_add_x_forwarded_for, for the client-address, network-check and flood tests.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import type { PairCreateAck, PairJoinAck, PairJoined } from '../../../server/protocol/tunnel';

export type RelayClient = {
  socket: Socket;
  create(): Promise<PairCreateAck>;
  join(pairingId: string): Promise<PairJoinAck>;
  /** The next pair:joined this (desktop) socket hears. */
  joined(): Promise<PairJoined>;
  close(): void;
};

export async function relayClient(
  url: string,
  opts: { localAddress?: string; headers?: Record<string, string> } = {},
): Promise<RelayClient> {
  const agent = opts.localAddress ? new http.Agent({ localAddress: opts.localAddress }) : undefined;
  const socket: Socket = connect(`${url}/tunnel`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    agent: agent as unknown as string,
    extraHeaders: opts.headers,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return {
    socket,
    create: () => new Promise<PairCreateAck>((r) => socket.emit('pair:create', {}, r)),
    join: (pairingId) =>
      new Promise<PairJoinAck>((r) => socket.emit('pair:join', { pairingId }, r)),
    joined: () => new Promise<PairJoined>((r) => socket.once('pair:joined', r)),
    close: () => {
      socket.disconnect();
      agent?.destroy();
    },
  };
}

function appendForwardedFor(headers: http.IncomingHttpHeaders, peer: string): string {
  const prior = headers['x-forwarded-for'];
  const list = Array.isArray(prior) ? prior.join(', ') : prior;
  return list ? `${list}, ${peer}` : peer;
}

/**
 * A reverse proxy on 127.0.0.1 that reaches `target` from `proxyAddress` and appends the
 * peer's address to X-Forwarded-For (HTTP and WebSocket upgrades). `forward: false` sends no
 * X-Forwarded-For at all, like a plain TCP/TLS terminator.
 */
export async function startForwardingProxy(
  target: string,
  opts: { proxyAddress: string; forward?: boolean },
): Promise<{ url: string; close(): Promise<void> }> {
  const t = new URL(target);
  const forward = opts.forward ?? true;
  const headersFor = (req: http.IncomingMessage) => {
    const headers = { ...req.headers };
    delete headers['x-forwarded-for'];
    if (forward)
      headers['x-forwarded-for'] = appendForwardedFor(req.headers, req.socket.remoteAddress ?? '');
    return headers;
  };
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      {
        host: t.hostname,
        port: t.port,
        method: req.method,
        path: req.url,
        headers: headersFor(req),
        localAddress: opts.proxyAddress,
        agent: false,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, client, head) => {
    const up = net.connect({
      host: t.hostname,
      port: Number(t.port),
      localAddress: opts.proxyAddress,
    });
    sockets.add(up);
    up.on('close', () => sockets.delete(up));
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
    up.on('connect', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (const [k, v] of Object.entries(headersFor(req)))
        for (const one of Array.isArray(v) ? v : [v])
          if (one !== undefined) lines.push(`${k}: ${one}`);
      up.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
