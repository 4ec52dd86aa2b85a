/**
 * A real forward proxy on loopback for the network-agent tests: it answers HTTP CONNECT by
 * opening a TCP connection to the target and piping bytes both ways (what a corporate proxy
 * does for https and websockets). It records every tunnel it opened, and who asked for it.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

export type ConnectProxy = {
  host: string;
  port: number;
  /** "host:port" of every CONNECT, with the client's address */
  tunnels: { target: string; from: string }[];
  /** answer 407 Proxy Authentication Required from now on */
  requireAuth(on: boolean): void;
  close(): Promise<void>;
};

export async function startConnectProxy(host = '127.0.0.1'): Promise<ConnectProxy> {
  const tunnels: ConnectProxy['tunnels'] = [];
  const sockets = new Set<net.Socket>();
  let auth = false;
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      client.off('data', onData);
      const m = /^CONNECT ([^\s]+):(\d+) HTTP\/1\.1\r\n/.exec(head.toString('latin1'));
      if (!m) {
        client.end('HTTP/1.1 405 Method Not Allowed\r\n\r\n');
        return;
      }
      if (auth) {
        client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
        return;
      }
      const targetHost = m[1]!.replace(/^\[|\]$/g, '');
      tunnels.push({ target: `${m[1]}:${m[2]}`, from: client.remoteAddress ?? '' });
      const upstream = net.connect({ host: targetHost, port: Number(m[2]) }, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        const rest = head.subarray(end + 4);
        if (rest.length > 0) upstream.write(rest);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      track(upstream);
      upstream.once('error', () => client.destroy());
      upstream.once('close', () => client.destroy());
      client.once('close', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    host,
    port: (server.address() as AddressInfo).port,
    tunnels,
    requireAuth: (on) => void (auth = on),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
