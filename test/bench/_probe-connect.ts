import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { startTestServer } from '../support/server';
const now = () => performance.now();
function client(url: string): Promise<[Socket, number]> {
  const t = now();
  const s = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve([s, now() - t]));
    s.once('connect_error', reject);
  });
}
const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
async function series(url: string, n = 150) {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const [s, t] = await client(url);
    if (i >= 30) out.push(t);
    s.close();
  }
  return med(out);
}
const server = await startTestServer({ logLevel: 'warn' });
const bare = http.createServer();
const bareIo = new Server(bare, { serveClient: false });
await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
const tunnel = new URL('/tunnel', server.url).toString();
for (let k = 0; k < 2; k++) {
  console.log('bare', (await series(bareUrl)).toFixed(2), 'tunnel', (await series(tunnel)).toFixed(2));
}
bareIo.close();
await server.close();
