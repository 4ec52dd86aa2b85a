/**
 * The desktop half, as its own Node process (started by desktop.ts with NODE_EXTRA_CA_CERTS
 * so it trusts the test CA, the way a desktop trusts a real exchange's certificate): the real
 * QR client (electron/services/qr-login.ts), API client and keychain vault, bound to the
 * desktop's address. Talks JSON lines: prints every state, reads commands from stdin.
 *
 * KB_DESKTOP (JSON, DriverConfig) configures it. With forgeXff every HTTP request and the
 * socket.io WebSocket handshake carry a client-written X-Forwarded-For, as an attacker would
 * send to look like it sits on the phone's network.
 */
import http from 'node:http';
import https from 'node:https';
import readline from 'node:readline';
import { z } from 'zod';
import { createApiClient } from '../../../../electron/services/api-client';
import { createQrLogin } from '../../../../electron/services/qr-login';
import { createSessionManager } from '../../../../electron/services/session';
import { createKeytarVault } from '../../../../electron/services/token-vault';

export const DriverConfig = z.object({
  serverUrl: z.string().url(),
  localAddress: z.string(),
  vaultService: z.string(),
  /** rotated through, one value per request */
  forgeXff: z.array(z.string()).optional(),
});
export type DriverConfig = z.infer<typeof DriverConfig>;

export const DriverCommand = z.discriminatedUnion('cmd', [
  z.object({ cmd: z.literal('code'), code: z.string() }),
  z.object({ cmd: z.literal('sessions') }),
  z.object({ cmd: z.literal('forged') }),
  z.object({ cmd: z.literal('sign-out') }),
  z.object({ cmd: z.literal('quit') }),
]);
export type DriverCommand = z.infer<typeof DriverCommand>;

const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

const forged = { requests: 0, websockets: 0 };

type RequestFn = typeof https.request;
/** Wraps a module's request(): both call shapes Node accepts get the extra header. */
function forgeOn(mod: { request: RequestFn }, values: string[]) {
  const real = mod.request;
  let i = 0;
  const withHeader = (o: http.RequestOptions): http.RequestOptions => {
    const headers = { ...(o.headers as Record<string, string> | undefined) };
    headers['x-forwarded-for'] = values[i++ % values.length]!;
    forged.requests += 1;
    if (String(headers.upgrade ?? headers.Upgrade ?? '').toLowerCase() === 'websocket')
      forged.websockets += 1;
    return { ...o, headers };
  };
  mod.request = ((...args: unknown[]) => {
    if (typeof args[0] === 'string' || args[0] instanceof URL) {
      const [url, maybeOpts, ...rest] = args;
      if (typeof maybeOpts === 'function')
        return (real as (...a: unknown[]) => http.ClientRequest)(url, withHeader({}), maybeOpts);
      return (real as (...a: unknown[]) => http.ClientRequest)(
        url,
        withHeader((maybeOpts ?? {}) as http.RequestOptions),
        ...rest,
      );
    }
    const [opts, ...rest] = args;
    return (real as (...a: unknown[]) => http.ClientRequest)(
      withHeader(opts as http.RequestOptions),
      ...rest,
    );
  }) as RequestFn;
}

async function main() {
  const config = DriverConfig.parse(JSON.parse(process.env.KB_DESKTOP ?? '{}'));
  if (config.forgeXff?.length) {
    forgeOn(https, config.forgeXff);
    forgeOn(http, config.forgeXff);
  }
  const { serverUrl, localAddress } = config;
  const vault = createKeytarVault({ service: config.vaultService });
  const api = createApiClient({ serverUrl, localAddress });
  const session = createSessionManager({ api, vault });
  const device = { name: 'Deployed desktop', platform: 'Linux' };
  const flow = createQrLogin({ serverUrl, api, session, device, localAddress });
  flow.subscribe((state) => print({ type: 'state', state }));

  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const parsed = DriverCommand.safeParse(JSON.parse(line));
    if (!parsed.success) {
      print({ type: 'error', message: `bad command: ${line}` });
      continue;
    }
    const c = parsed.data;
    try {
      if (c.cmd === 'code') print({ type: 'code', state: await flow.submitCode(c.code) });
      else if (c.cmd === 'sessions')
        print({ type: 'sessions', ...(await session.withAccess((t) => api.sessions(t))) });
      else if (c.cmd === 'forged') print({ type: 'forged', ...forged });
      else if (c.cmd === 'sign-out') {
        await session.signOut();
        print({ type: 'signed-out' });
      } else {
        await flow.cancel();
        api.close();
        break;
      }
    } catch (e) {
      print({ type: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  }
  process.exit(0);
}

main().catch((e: unknown) => {
  print({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  process.exit(1);
});
