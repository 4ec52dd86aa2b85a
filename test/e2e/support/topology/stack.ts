/**
 * Keybridge as deployed, on one machine: nginx terminating TLS (certificate from a test CA)
 * in front of two server processes that share one PostgreSQL schema, one Redis and one
 * SECRETS_KEY, trusting only nginx's address for X-Forwarded-For. Loopback addresses stand in
 * for networks: the desktop binds its own (127.0.0.2), the phone's Chromium goes through a
 * forwarder that dials nginx from another (127.0.0.3 unless switched).
 *
 *   Chromium --exchange.localhost--> 127.0.0.4:P (forwarder) --from 127.0.0.3--> nginx 127.0.0.1:P
 *   desktop  --https://127.0.0.1:P, from 127.0.0.2------------------------------> nginx
 *   nginx --from 127.0.0.1--> server A, server B --> PostgreSQL schema, Redis
 */
import type * as Keytar from 'keytar';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../../support/chromium';
import type { TestSchema } from '../../../support/postgres';
import { startRedis, type TestRedis } from '../../../server/tunnel/support/redis-server';
import { makeCerts, opensslMissing, type TestCerts } from './certs';
import { startRemoteDesktop, type RemoteDesktop } from './desktop';
import { nginxMissing, startNginx, type TestNginx } from './nginx';
import { startServerProcess, type ServerProcess } from './server-process';
import { startSourceForwarder, type SourceForwarder } from './source-forwarder';

export const RP_ID = 'exchange.localhost';
export const NGINX_HOST = '127.0.0.1';
export const FORWARDER_HOST = '127.0.0.4';
export const DESKTOP_ADDRESS = '127.0.0.2';
export const PHONE_ADDRESS = '127.0.0.3';

export type DeployedStack = {
  /** where the desktop connects: https://127.0.0.1:<P> (the certificate's IP SAN) */
  desktopUrl: string;
  /** https://exchange.localhost:<P>: RP_ORIGINS[0], the QR's origin, what Chromium sends */
  phoneOrigin: string;
  port: number;
  certs: TestCerts;
  browser: Browser;
  /** the phone's path to nginx; setSource() moves the phone to another address */
  phoneLink: SourceForwarder;
  nginx: TestNginx;
  servers: ServerProcess[];
  /** both servers' output, everything logged so far (ServerProcess.flushedLogs) */
  serverLogs(): Promise<string>;
  desktop(o?: { localAddress?: string; forgeXff?: string[] }): RemoteDesktop;
  stop(): Promise<void>;
};

const keytar = createRequire(import.meta.url)('keytar') as typeof Keytar;

/** Removes what a desktop left in the keychain (nothing, when no Secret Service runs). */
async function forgetVault(service: string) {
  try {
    for (const c of await keytar.findCredentials(service))
      await keytar.deletePassword(service, c.account);
  } catch {
    // no keychain here: nothing was stored
  }
}

/** Why the deployed stack cannot run here (printed as the skip reason), or false. */
export function deployedStackMissing(schema: TestSchema): string | false {
  return nginxMissing() || opensslMissing() || schema.unavailable;
}

/**
 * nginx must listen on the port the forwarder took (the origin's port), on another address;
 * another process may take that port on 127.0.0.1 meanwhile. Then the whole stack starts
 * again on a new port (RP_ORIGINS names it, so the servers restart too).
 */
export async function startDeployedStack(schema: TestSchema): Promise<DeployedStack> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(schema);
    } catch (err) {
      if (attempt >= 3 || !/Address already in use/.test(String(err))) throw err;
    }
  }
}

async function startOnce(schema: TestSchema): Promise<DeployedStack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-deployed-'));
  // nginx workers run unprivileged when the master is root; they must reach their temp paths.
  fs.chmodSync(dir, 0o755);
  const cleanups: (() => Promise<unknown> | unknown)[] = [
    () => fs.rmSync(dir, { recursive: true, force: true }),
  ];
  const desktops = new Set<RemoteDesktop>();
  const stop = async () => {
    for (const d of desktops) {
      await d.stop().catch(() => undefined);
      await forgetVault(d.vaultService);
    }
    // Reverse order of start; keep going past a failing step so nothing is left running.
    const errors: unknown[] = [];
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (e) {
        errors.push(e);
      }
    }
    cleanups.length = 0;
    if (errors.length) throw errors[0];
  };
  try {
    const pki = path.join(dir, 'pki');
    fs.mkdirSync(pki, { mode: 0o700 }); // the CA and leaf keys
    const certs = makeCerts(pki, RP_ID);

    // The forwarder takes a free port first; nginx listens on the same port of 127.0.0.1.
    const phoneLink = await startSourceForwarder({
      host: FORWARDER_HOST,
      port: 0,
      targetHost: NGINX_HOST,
      source: PHONE_ADDRESS,
    });
    cleanups.push(() => phoneLink.close());
    const port = phoneLink.port;
    const phoneOrigin = `https://${RP_ID}:${port}`;

    const redis: TestRedis = await startRedis();
    cleanups.push(() => redis.stop());

    const env = {
      RP_ID,
      RP_ORIGINS: phoneOrigin,
      DATABASE_URL: schema.databaseUrl,
      REDIS_URL: redis.url,
      SECRETS_KEY: randomBytes(32).toString('base64'),
      // Exactly nginx's address: with a range such as `loopback` the test's other "networks"
      // (127.0.0.2, 127.0.0.3) would count as proxies too.
      TRUST_PROXY: NGINX_HOST,
    };
    const servers: ServerProcess[] = [];
    // One after the other: the first runs the migrations on the empty schema.
    for (let i = 0; i < 2; i++) {
      const s = await startServerProcess(env);
      servers.push(s);
      cleanups.push(() => s.stop());
    }

    const nginxDir = path.join(dir, 'nginx');
    fs.mkdirSync(nginxDir);
    const nginx = await startNginx({
      dir: nginxDir,
      listen: { host: NGINX_HOST, port },
      serverName: RP_ID,
      upstreams: servers.map((s) => ({ host: '127.0.0.1', port: s.port })),
      certPath: certs.certPath,
      keyPath: certs.keyPath,
    });
    cleanups.push(() => nginx.stop());

    const browser = await launchChromium({
      args: [
        `--host-resolver-rules=MAP ${RP_ID} ${FORWARDER_HOST}`,
        `--ignore-certificate-errors-spki-list=${certs.spkiHash}`,
      ],
    });
    cleanups.push(() => browser.close());

    const desktopUrl = `https://${NGINX_HOST}:${port}`;
    return {
      desktopUrl,
      phoneOrigin,
      port,
      certs,
      browser,
      phoneLink,
      nginx,
      servers,
      serverLogs: async () => (await Promise.all(servers.map((s) => s.flushedLogs()))).join('\n'),
      desktop(o = {}) {
        const d = startRemoteDesktop({
          serverUrl: desktopUrl,
          localAddress: o.localAddress ?? DESKTOP_ADDRESS,
          vaultService: `com.keybridge.desktop.test-deployed-${randomBytes(4).toString('hex')}`,
          forgeXff: o.forgeXff,
          caPath: certs.caPath,
        });
        desktops.add(d);
        return d;
      },
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
