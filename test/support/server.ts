/**
 * startTestServer(): the real server (Fastify, real SQLite file in a temp DATA_DIR) on a free
 * port, with RP_ID exchange.localhost and the phone origin http://exchange.localhost:<port>
 * matching the port it actually bound (origins are derived after listen, so no racy
 * free-port picking). Log lines are kept in memory for the secrets test. close() stops the
 * server and removes the temp directory.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createServer, type KeybridgeServer } from '../../server/app';
import { defaultRateLimits, type Config, type RateLimitConfig } from '../../server/config';
import type { ServerParts, ServerSeams } from '../../server/composition-root';
import type { Clock } from '../../server/util/clock';
import type { TunnelAttachOptions } from '../../server/tunnel/attach';

export const TEST_RP_ID = 'exchange.localhost';

export type TestServerOptions = {
  /** Move time by hand (ManualClock from server/util/clock) instead of sleeping. */
  clock?: Clock;
  rateLimits?: RateLimitConfig;
  /** Directory of a phone build to serve at /m/ (default dist/phone). */
  phoneDist?: string;
  logLevel?: string;
  /** TRUST_PROXY (server/http/client-address.ts); off by default like production. */
  trustProxy?: string | false;
  /** Any other setting (e.g. an https RP_ORIGINS, REVERSE_CODE), applied last. */
  config?: Partial<Config>;
  /** Relay options passed to createServer (shorter lifetimes, an observer, a store). */
  tunnel?: TunnelAttachOptions;
  /** Test doubles for single parts (a store, the pairing link); see server/composition-root.ts. */
  seams?: ServerSeams;
  /** Called before listen (the relay is already attached by createServer). */
  beforeListen?: (server: KeybridgeServer) => void | Promise<void>;
};

export type TestServer = {
  /** http://127.0.0.1:<port> — what Node clients connect to */
  url: string;
  /** http://exchange.localhost:<port> — the relying party origin; the phone page lives here */
  phoneOrigin: string;
  port: number;
  dataDir: string;
  server: KeybridgeServer;
  context: ServerParts;
  /** Everything the server logged so far (pino JSON lines). */
  logs: () => string;
  close(): Promise<void>;
};

export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-server-'));
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
    rpId: TEST_RP_ID,
    rpName: 'Keybridge Test Exchange',
    rpOrigins: null, // derived from the bound port: http://exchange.localhost:<port>
    dataDir,
    trustProxy: opts.trustProxy ?? false,
    logLevel: opts.logLevel ?? 'debug',
    bodyLimit: 64 * 1024,
    rateLimits: opts.rateLimits ?? defaultRateLimits,
    ...opts.config,
  };
  let server: KeybridgeServer;
  try {
    server = await createServer(config, {
      logDestination: sink,
      clock: opts.clock,
      phoneDist: opts.phoneDist,
      tunnel: opts.tunnel,
      seams: opts.seams,
    });
    await opts.beforeListen?.(server);
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
    port,
    dataDir,
    server,
    context: server.context,
    logs: () => chunks.join(''),
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
