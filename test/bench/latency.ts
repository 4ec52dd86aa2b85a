/**
 * Latency rows, on an otherwise idle server:
 *
 * 1. Direct passkey sign-in wall time (options, verify), against the real server in its own
 *    process (test/bench/child.ts), one sign-in at a time on a fresh keep-alive connection
 *    that is opened before the clock starts, each from its own address.
 * 2. QR sign-in, pairing -> phone assertion -> tokens stored in the keychain, p50/p99,
 *    beside a direct passkey sign-in over HTTP (options -> assertion -> verify -> keychain).
 *    The phone half is the pair-page protocol driven from Node with the test-side software
 *    authenticator (test/electron/services/support/soft-phone.ts): machine time, no human and no
 *    browser rendering. Everything else is the real server, relay, channel and keychain,
 *    with the server in this process (as in the desktop-client tests).
 * 3. Relay hop latency: desktop -> relay -> phone -> relay -> desktop over a live pairing,
 *    beside a bare socket.io forwarder with the same two clients and the same hops.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { createApiClient } from '../../electron/services/api-client';
import { createQrLogin } from '../../electron/services/qr-login';
import { createSessionManager } from '../../electron/services/session';
import type { TokenVault } from '../../electron/services/token-vault';
import type { PairJoinAck, PairCreateAck } from '../../server/protocol/tunnel';
import { defaultRateLimits } from '../../server/config';
import { softApprove } from '../electron/services/support/soft-phone';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { startTestServer } from '../support/server';
import type { PasskeyRegisterOptionsResponse, TokenResponse } from '../../server/protocol/api';
import { call } from '../support/http';
import { startChild } from './children';
import { enrollUsers, signIn, type SignInTiming } from './load';
import { heading, latencyRow, ms, ratioRow, row, stats, type Stats } from './stats';

const now = () => performance.now();

async function repeat<T>(warmup: number, runs: number, fn: () => Promise<T>): Promise<T[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: T[] = [];
  for (let i = 0; i < runs; i++) out.push(await fn());
  return out;
}

type DirectSamples = { options: Stats; verify: Stats; total: Stats; optionsAndVerify: Stats };
/** One server's direct sign-ins: just after start-up, then again once its code is warm. */
type DirectRun = DirectSamples & { warm: DirectSamples };
export type DirectResult = DirectRun & {
  /** How many sign-ins each server had served before its `warm` samples. */
  warmAfter: number;
  /** The same sign-ins, same client, against the peer and the floor (test/bench/floor.ts). */
  baselines: { peer: DirectRun; floor: DirectRun };
};

function summarise(samples: SignInTiming[]): DirectSamples {
  return {
    options: stats(samples.map((s) => s.options)),
    verify: stats(samples.map((s) => s.verify)),
    total: stats(samples.map((s) => s.total)),
    optionsAndVerify: stats(samples.map((s) => s.options + s.verify)),
  };
}

/**
 * `runs` sign-ins after `warmup`, as a just-started server answers them; then `settle` more,
 * unmeasured, and `runs` again. V8 optimises a function only after many calls, so the first
 * hundred sign-ins run much of the path unoptimised; a server that has been up for a while
 * has served thousands. Both are one sign-in at a time on an otherwise idle server.
 */
async function directOn(
  kind: 'keybridge' | 'peer' | 'floor',
  runs: number,
  warmup: number,
  settle: number,
): Promise<DirectRun> {
  const child = await startChild(kind);
  try {
    const users = await enrollUsers(1, child.phoneOrigin, child.enroll);
    const base = new URL(child.url);
    const one = () => signIn(base, users, users.free[0]!, { addressing: 'bind', preconnect: true });
    const fresh = summarise(await repeat(warmup, runs, one));
    const warm = summarise(await repeat(settle, runs, one));
    return { ...fresh, warm };
  } finally {
    await child.stop();
  }
}

function directRows(r: DirectSamples, peer: DirectSamples, floor: DirectSamples): void {
  latencyRow('POST /api/auth/passkey/options', r.options);
  latencyRow('POST /api/auth/passkey/verify (desktop tokens)', r.verify);
  latencyRow('options + verify', r.optionsAndVerify);
  latencyRow('whole sign-in (incl. client-side assertion)', r.total);
  latencyRow('baseline: peer, options + verify', peer.optionsAndVerify);
  latencyRow('baseline: floor (same requests, no sign-in)', floor.optionsAndVerify);
  ratioRow('ratio Keybridge / peer', r.optionsAndVerify, peer.optionsAndVerify);
  ratioRow('ratio Keybridge / floor', r.optionsAndVerify, floor.optionsAndVerify);
  row(
    'Keybridge above the floor at p50',
    `options ${ms(r.options.p50 - floor.options.p50)}, verify ${ms(r.verify.p50 - floor.verify.p50)}`,
  );
}

/**
 * Keybridge, then the peer and the floor with the same client and the same warm connection:
 * the floor's two requests (no sign-in at all) are what this machine's HTTP stack costs.
 */
export async function directIdle(
  runs: number,
  warmup: number,
  settle: number,
): Promise<DirectResult> {
  const r = await directOn('keybridge', runs, warmup, settle);
  const peer = await directOn('peer', runs, warmup, settle);
  const floor = await directOn('floor', runs, warmup, settle);
  heading('Direct passkey sign-in, idle server in its own process (wall time, warm connection)');
  console.log(`  just started: after ${warmup} sign-ins`);
  directRows(r, peer, floor);
  const after = warmup + runs + settle;
  console.log(`  warm: the same server after ${after} sign-ins, still one at a time`);
  directRows(r.warm, peer.warm, floor.warm);
  return { ...r, warmAfter: after, baselines: { peer, floor } };
}

export type QrResult = {
  qr: Stats;
  direct: Stats;
  keychain: Stats;
  overheadP50Ms: number;
  relay: Stats;
  bareSocketIo: Stats;
  /** p50 of when each QR state began, in ms from the flow's start. */
  qrStages: Record<string, number>;
};

export async function qrAndRelay(o: {
  runs: number;
  hops: number;
  warmup: number;
  vault: TokenVault;
}): Promise<QrResult> {
  const { vault, runs, warmup } = o;
  const server = await startTestServer({
    logLevel: 'warn',
    // The hop benchmark sends far more than a person's phone would; lift the relay's abuse limits.
    tunnel: { limits: { eventsPerSecond: 1_000_000, eventBurst: 1_000_000 } },
    // ...and hundreds of sign-ins from one address, which the per-IP limit would rightly stop.
    rateLimits: {
      ...defaultRateLimits,
      passkeyOptionsPerIp: { max: 1_000_000, windowSeconds: 60 },
    },
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

  // When each state of the flow began, from the flow's start: where a QR sign-in's time goes.
  const stages = new Map<string, number[]>();
  async function qrSignIn(): Promise<number> {
    const t0 = now();
    const flow = createQrLogin({ serverUrl: server.url, api, session, device });
    let phone: Promise<unknown> | undefined;
    const seen = new Map<string, number>();
    flow.subscribe((s) => {
      if (!seen.has(s.status)) seen.set(s.status, now() - t0);
      if (s.status === 'waiting-for-scan' && !phone) {
        phone = softApprove({ link: s.link, serverUrl: server.url, authenticator });
      }
    });
    const final = await flow.finished;
    const t = now() - t0;
    if (final.status !== 'signed-in') throw new Error(`QR sign-in ended ${JSON.stringify(final)}`);
    await phone;
    for (const [status, at] of seen) stages.set(status, [...(stages.get(status) ?? []), at]);
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

  // Interleaved, one of each in turn after both warm-ups: the machine's drift (the keyring's
  // disk, another process) then weighs on both series alike, and their difference, the QR
  // overhead, is not a difference of two moments.
  for (let i = 0; i < warmup; i++) {
    await directSignIn();
    await qrSignIn();
  }
  const directTimes: number[] = [];
  const qrTimes: number[] = [];
  for (let i = 0; i < runs; i++) {
    directTimes.push(await directSignIn());
    qrTimes.push(await qrSignIn());
  }
  const direct = stats(directTimes);
  const qr = stats(qrTimes);
  heading('QR sign-in machine time (to tokens stored in the keychain; server in this process)');
  latencyRow('QR sign-in (pairing -> phone -> tokens)', qr);
  latencyRow('baseline: direct passkey sign-in over HTTP', direct);
  ratioRow('ratio', qr, direct);
  // Both include the keychain write; show what that part costs on its own, written as
  // session.adopt writes it (electron/services/session.ts: token and pointer together).
  const account = { serverOrigin: server.url, userId: 'bench-probe' };
  const keychain = stats(
    await repeat(warmup, runs, async () => {
      const t0 = now();
      await Promise.all([
        vault.setRefreshToken(account, 'x'.repeat(43)),
        vault.setCurrentAccount(account),
      ]);
      return now() - t0;
    }),
  );
  await vault.deleteRefreshToken(account);
  latencyRow('  of which keychain write (token + current)', keychain);
  // Warm-up runs are in `stages` too; the median hardly moves for them.
  const qrStages: Record<string, number> = {};
  for (const [status, at] of stages) {
    qrStages[status] = stats(at).p50;
    row(`  QR state '${status}' reached at p50`, `${ms(qrStages[status])} after the start`);
  }
  const overheadP50Ms = qr.p50 - direct.p50;
  row('QR overhead over direct at p50', `${overheadP50Ms.toFixed(1)} ms per sign-in`);

  // ---------------------------------------------------------------- relay hop
  function client(url: string): Promise<Socket> {
    const s = connect(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    return new Promise((resolve, reject) => {
      s.once('connect', () => resolve(s));
      s.once('connect_error', reject);
    });
  }
  /** One round trip: `a` sends, the other side echoes (see `echo`), `a` hears it back. */
  function roundTrip(a: Socket, event: string, payload: unknown): Promise<number> {
    const t0 = now();
    return new Promise((resolve) => {
      a.once(event, () => resolve(now() - t0));
      a.emit(event, payload);
    });
  }
  const echo = (b: Socket, event: string) => b.on(event, (m: unknown) => b.emit(event, m));

  // A live pairing on the real relay: desktop creates, phone joins, then opaque frames both ways.
  const tunnelUrl = new URL('/tunnel', server.url).toString();
  const desktop = await client(tunnelUrl);
  const phoneSocket = await client(tunnelUrl);
  const created = (await desktop.emitWithAck('pair:create', {})) as PairCreateAck;
  if (!created.ok) throw new Error('pair:create refused');
  const pairingId = created.pairingId;
  const joined = (await phoneSocket.emitWithAck('pair:join', { pairingId })) as PairJoinAck;
  if (!joined.ok) throw new Error('pair:join refused');
  echo(phoneSocket, 'pair:msg');

  // Baseline: a bare socket.io server that forwards between two clients, nothing else.
  const bare = http.createServer();
  const bareIo = new Server(bare, { serveClient: false });
  bareIo.on('connection', (s) => {
    s.on('fwd', (m) => {
      for (const other of bareIo.sockets.sockets.values())
        if (other.id !== s.id) other.emit('fwd', m);
    });
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  const peers = [await client(bareUrl), await client(bareUrl)] as const;
  echo(peers[1], 'fwd');

  // A frame the size of a sealed channel message (256-byte padded plaintext + tag + header).
  const frame = Buffer.alloc(1 + 256 + 16, 7).toString('base64url');
  // Interleaved, one relay hop then one bare hop, so a GC pause or the machine's drift weighs
  // on both series alike (run one after the other, the p99 ratio swung from 1.2x to 2.1x).
  const relayHops: number[] = [];
  const bareHops: number[] = [];
  for (let i = 0; i < o.hops + warmup * 10; i++) {
    const r = await roundTrip(desktop, 'pair:msg', { pairingId, data: frame });
    const b = await roundTrip(peers[0], 'fwd', { data: frame });
    if (i >= warmup * 10) {
      relayHops.push(r);
      bareHops.push(b);
    }
  }
  const relay = stats(relayHops);
  const bareSocketIo = stats(bareHops);
  desktop.close();
  phoneSocket.close();
  for (const p of peers) p.close();
  await new Promise<void>((r) => bareIo.close(() => r()));

  heading('Relay hop latency (round trip, 273-byte frame)');
  latencyRow('relay: desktop -> relay -> phone -> relay -> desktop', relay);
  latencyRow('baseline: bare socket.io forward, same hops', bareSocketIo);
  ratioRow('ratio', relay, bareSocketIo);

  await session.signOut();
  api.close();
  await server.close();
  return { qr, direct, keychain, overheadP50Ms, relay, bareSocketIo, qrStages };
}
