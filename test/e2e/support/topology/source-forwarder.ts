/**
 * Puts Chromium (which cannot choose its source address) on "another network": Chromium's
 * host-resolver rule sends exchange.localhost here, and every connection is piped, bytes
 * unchanged (TLS stays end to end with nginx), to nginx from `source` (e.g. 127.0.0.3).
 * Listening on the nginx port of another loopback address keeps the page's origin
 * https://exchange.localhost:<nginx port>, exactly what RP_ORIGINS lists.
 */
import net from 'node:net';

export type SourceForwarder = {
  host: string;
  port: number;
  /**
   * Later connections come from `source`. Open ones are closed now, so the browser cannot
   * keep using a pooled connection from the old address.
   */
  setSource(source: string): void;
  close(): Promise<void>;
};

export async function startSourceForwarder(o: {
  host: string;
  /** 0 = any free port */
  port: number;
  /** nginx's address; the port is the forwarder's own (the origin's port) */
  targetHost: string;
  source: string;
}): Promise<SourceForwarder> {
  let source = o.source;
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  const server = net.createServer((client) => {
    track(client);
    const port = (server.address() as net.AddressInfo).port;
    const upstream = net.connect({ host: o.targetHost, port, localAddress: source });
    track(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return {
    host: o.host,
    port: (server.address() as net.AddressInfo).port,
    setSource(next) {
      source = next;
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
