/**
 * The real auth service (createServer: Fastify, SQLite in a temp dir, the relay wired by
 * server/app.ts) with relay options a test needs: an observer on every relay event and
 * shorter lifetimes. Same shape as test/support/server.ts startTestServer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createServer, type KeybridgeServer } from '../../../server/app';
import { defaultRateLimits, type Config } from '../../../server/config';
import type { TunnelAttachOptions } from '../../../server/tunnel/attach';
import type { RelayObservation } from '../../../server/tunnel/relay';

export type TunnelTestServer = {
  url: string;
  phoneOrigin: string;
  server: KeybridgeServer;
  observed: RelayObservation[];
  logs: () => string;
  close(): Promise<void>;
};

export async function startTunnelServer(
  tunnel: Omit<TunnelAttachOptions, 'observer'> = {},
): Promise<TunnelTestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-tunnel-'));
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const config: Config = {
    port: 0,
    host: '127.0.0.1',
    rpId: 'exchange.localhost',
    rpName: 'Keybridge Test Exchange',
    rpOrigins: null,
    dataDir,
    trustProxy: false,
    logLevel: 'debug',
    bodyLimit: 64 * 1024,
    rateLimits: defaultRateLimits,
  };
  const observed: RelayObservation[] = [];
  const server = await createServer(config, {
    logDestination: sink,
    tunnel: { ...tunnel, observer: (o) => observed.push(o) },
  });
  try {
    await server.listen();
  } catch (err) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const port = (server.httpServer.address() as { port: number }).port;
  let closed = false;
  return {
    url: `http://127.0.0.1:${port}`,
    phoneOrigin: server.context.phoneOrigin(),
    server,
    observed,
    logs: () => chunks.join(''),
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
