/**
 * A TCP gate in front of the test server, at the true network boundary: while closed it
 * resets every connection (the desktop sees "server down"); once opened it pipes bytes to the
 * server unchanged. It also keeps what the server sent, so a test can learn the tokens the
 * desktop received over the wire and then prove they appear nowhere they should not.
 */
import net from 'node:net';

export type TcpGate = {
  url: string;
  open(): void;
  /** Everything the server sent back through the gate (latin1), capped at a few MiB. */
  received(): string;
  close(): Promise<void>;
};

export async function startTcpGate(
  target: { host: string; port: number },
  initiallyOpen = true,
): Promise<TcpGate> {
  let isOpen = initiallyOpen;
  const seen: Buffer[] = [];
  let seenBytes = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => undefined);
    if (!isOpen) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    upstream.on('data', (chunk: Buffer) => {
      if (seenBytes < 8 * 1024 * 1024) {
        seen.push(chunk);
        seenBytes += chunk.length;
      }
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    open() {
      isOpen = true;
    },
    received: () => Buffer.concat(seen).toString('latin1'),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
