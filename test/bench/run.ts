/**
 * `npm run bench` (not part of npm test): what the QR sign-in costs in machine time, each
 * number printed beside a baseline measured in the same run on the same server.
 *
 * 1. QR sign-in, pairing -> phone assertion -> tokens stored in the keychain, 100 runs, p50/p99,
 *    beside a direct passkey sign-in over HTTP (options -> assertion -> verify -> keychain).
 *    The phone half is the pair-page protocol driven from Node with the test-side software
 *    authenticator (test/electron/services/support/soft-phone.ts): machine time, no human and no
 *    browser rendering. Everything else is the real server, relay, channel and keychain.
 * 2. Relay hop latency: desktop -> relay -> phone -> relay -> desktop over a live pairing,
 *    beside a bare socket.io forwarder with the same two clients and the same hops.
 *
 * Runs itself inside a private D-Bus session with an unlocked gnome-keyring when no keychain
 * is reachable (scripts/with-keyring.sh), so "tokens stored" means the real Secret Service.
 */
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { createApiClient } from '../../electron/services/api-client';
import { createQrLogin } from '../../electron/services/qr-login';
import { createSessionManager } from '../../electron/services/session';
import {
  createKeytarVault,
  KeychainUnavailableError,
  VAULT_SERVICE,
} from '../../electron/services/token-vault';
import type { PairJoinAck, PairCreateAck } from '../../server/protocol/tunnel';
import { softApprove } from '../electron/services/support/soft-phone';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { startTestServer } from '../support/server';
import { defaultRateLimits } from '../../server/config';
import type { PasskeyRegisterOptionsResponse, TokenResponse } from '../../server/protocol/api';
import { call } from '../server/http';

const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const HOPS = Number(process.env.BENCH_HOPS ?? 2000);
const WARMUP = 10;
const root = path.resolve(import.meta.dirname, '../..');

// ------------------------------------------------------------------ keychain or re-exec

const service = `${VAULT_SERVICE}.bench`;
const vault = createKeytarVault({ service });
try {
  await vault.getCurrentAccount();
} catch (e) {
  if (!(e instanceof KeychainUnavailableError) || process.env.KEYBRIDGE_BENCH_CHILD) throw e;
  console.log('No keychain reachable: running inside dbus-run-session with gnome-keyring.');
  const r = spawnSync(
    'dbus-run-session',
    [
      '--',
      'bash',
      'scripts/with-keyring.sh',
      process.execPath,
      ...process.execArgv,
      ...process.argv.slice(1),
    ],
    {
      cwd: root,
      stdio: ['inherit', 'inherit', 'ignore'],
      env: { ...process.env, KEYBRIDGE_BENCH_CHILD: '1' },
    },
  );
  process.exit(r.status ?? 1);
}

// ------------------------------------------------------------------ helpers

function stats(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return {
    n: s.length,
    p50: at(0.5),
    p99: at(0.99),
    mean: s.reduce((a, b) => a + b, 0) / s.length,
  };
}
const ms = (v: number) => (v >= 10 ? v.toFixed(1) : v.toFixed(3)).padStart(8) + ' ms';
function row(label: string, st: ReturnType<typeof stats>) {
  console.log(`  ${label.padEnd(52)} p50 ${ms(st.p50)}   p99 ${ms(st.p99)}   (n=${st.n})`);
}
function ratio(a: ReturnType<typeof stats>, b: ReturnType<typeof stats>) {
  console.log(
    `  ${'ratio'.padEnd(52)} p50 ${(a.p50 / b.p50).toFixed(2).padStart(8)} x   p99 ${(a.p99 / b.p99).toFixed(2).padStart(8)} x`,
  );
}
const now = () => performance.now();

// ------------------------------------------------------------------ server and a user

const server = await startTestServer({
  logLevel: 'warn',
  // The hop benchmark sends far more than a person's phone would; lift the relay's abuse limits.
  tunnel: { limits: { eventsPerSecond: 1_000_000, eventBurst: 1_000_000 } },
  // ...and hundreds of sign-ins from one address, which the per-IP limit would rightly stop.
  rateLimits: { ...defaultRateLimits, passkeyOptionsPerIp: { max: 1_000_000, windowSeconds: 60 } },
});
const api = createApiClient({ serverUrl: server.url });
const email = `bench-${Date.now()}@example.com`;
const password = 'bench password 12345';
await api.signUp(email, password);
const first = await api.passwordLogin({ email, password });
await api.stepUp(first.accessToken, { password });
// The desktop client no longer handles WebAuthn responses (the phone posts them to the
// server), so the passkey is made over plain HTTP, as the phone's Security page does.
const reg = await call<PasskeyRegisterOptionsResponse>(server.url, '/api/passkeys/options', {
  token: first.accessToken,
  body: {},
});
const authenticator = new SoftAuthenticator(server.phoneOrigin);
await call(server.url, '/api/passkeys/verify', {
  token: first.accessToken,
  body: { attemptId: reg.body.attemptId, response: authenticator.register(reg.body.options) },
});
await api.logout(first.accessToken);
const session = createSessionManager({ api, vault });
const device = { name: 'bench', platform: process.platform };

console.log(
  `Keybridge benchmark — Node ${process.version}, ${RUNS} runs each (+${WARMUP} warm-up)\n`,
);

// ------------------------------------------------------------------ 1. sign-in

async function qrSignIn(): Promise<number> {
  const t0 = now();
  const flow = createQrLogin({ serverUrl: server.url, api, session, device });
  let phone: Promise<unknown> | undefined;
  flow.subscribe((s) => {
    if (s.status === 'waiting-for-scan' && !phone) {
      phone = softApprove({ link: s.link, serverUrl: server.url, authenticator });
    }
  });
  const final = await flow.finished;
  const t = now() - t0;
  if (final.status !== 'signed-in') throw new Error(`QR sign-in ended ${JSON.stringify(final)}`);
  await phone;
  return t;
}

async function directSignIn(): Promise<number> {
  const t0 = now();
  const { attemptId, options } = await api.passkeyLoginOptions();
  const response = authenticator.assert(options);
  const r = await call<TokenResponse>(server.url, '/api/auth/passkey/verify', {
    body: { attemptId, response, device, client: 'desktop' },
  });
  await session.adopt(r.body);
  return now() - t0;
}

async function measure(fn: () => Promise<number>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const out: number[] = [];
  // Alternate nothing here: each kind runs back to back, after the other kind's warm-up.
  for (let i = 0; i < RUNS; i++) out.push(await fn());
  return out;
}

const direct = stats(await measure(directSignIn));
const qr = stats(await measure(qrSignIn));
console.log('Sign-in machine time (to tokens stored in the keychain)');
row('QR sign-in (pairing -> phone -> tokens)', qr);
row('baseline: direct passkey sign-in over HTTP', direct);
ratio(qr, direct);
// Both include the keychain write; show what that part costs on its own.
const account = { serverOrigin: server.url, userId: 'bench-probe' };
const keychain = stats(
  await measure(async () => {
    const t0 = now();
    await vault.setRefreshToken(account, 'x'.repeat(43));
    await vault.setCurrentAccount(account);
    return now() - t0;
  }),
);
await vault.deleteRefreshToken(account);
row('  of which keychain write (token + current)', keychain);
console.log(`  QR overhead at p50: ${(qr.p50 - direct.p50).toFixed(1)} ms per sign-in\n`);

// ------------------------------------------------------------------ 2. relay hop

type AnySocket = Socket;
function client(url: string): Promise<AnySocket> {
  const s = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

/** Round trips of `send` answered by `echo`, one at a time. */
async function roundTrips(
  a: AnySocket,
  b: AnySocket,
  event: string,
  payload: (i: number) => unknown,
): Promise<number[]> {
  b.on(event, (m: unknown) => b.emit(event, m));
  const out: number[] = [];
  for (let i = 0; i < HOPS + WARMUP * 10; i++) {
    const t0 = now();
    await new Promise<void>((resolve) => {
      a.once(event, () => resolve());
      a.emit(event, payload(i));
    });
    if (i >= WARMUP * 10) out.push(now() - t0);
  }
  return out;
}

// A live pairing on the real relay: desktop creates, phone joins, then opaque frames both ways.
const tunnelUrl = new URL('/tunnel', server.url).toString();
const desktop = await client(tunnelUrl);
const phoneSocket = await client(tunnelUrl);
const created = (await desktop.emitWithAck('pair:create', {})) as PairCreateAck;
if (!created.ok) throw new Error('pair:create refused');
const pairingId = created.pairingId;
const joined = (await phoneSocket.emitWithAck('pair:join', { pairingId })) as PairJoinAck;
if (!joined.ok) throw new Error('pair:join refused');
// A frame the size of a sealed channel message (256-byte padded plaintext + tag + header).
const frame = Buffer.alloc(1 + 256 + 16, 7).toString('base64url');
const relay = stats(
  await roundTrips(desktop, phoneSocket, 'pair:msg', () => ({ pairingId, data: frame })),
);
desktop.close();
phoneSocket.close();

// Baseline: a bare socket.io server that forwards between two clients, nothing else.
const bare = http.createServer();
const bareIo = new Server(bare, { serveClient: false });
const peers: AnySocket[] = [];
bareIo.on('connection', (s) => {
  s.on('fwd', (m) => {
    for (const other of bareIo.sockets.sockets.values())
      if (other.id !== s.id) other.emit('fwd', m);
  });
});
await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
peers.push(await client(bareUrl), await client(bareUrl));
const bareStats = stats(await roundTrips(peers[0], peers[1], 'fwd', () => ({ data: frame })));
for (const p of peers) p.close();
bareIo.close();

console.log('Relay hop latency (round trip, 273-byte frame)');
row('relay: desktop -> relay -> phone -> relay -> desktop', relay);
row('baseline: bare socket.io forward, same hops', bareStats);
ratio(relay, bareStats);

// ------------------------------------------------------------------ done

await session.signOut();
api.close();
await server.close();
process.exit(0);
