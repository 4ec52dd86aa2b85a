/**
 * The throughput bench's load generator: enrolled users held by a software authenticator
 * (test/support/soft-authenticator.ts, real P-256 assertions), and a closed loop of sign-ins
 * (options -> assert -> verify, desktop client) at a set concurrency for a fixed time.
 *
 * Every sign-in comes from its own client address, as many people would, so per-IP limits and
 * per-IP state cost what they cost in production:
 * - 'bind' (default): a fresh keep-alive connection per sign-in, bound to its own 127.a.b.c
 *   (Linux routes all of 127/8 to loopback); options and verify share that connection.
 * - 'xff': pooled keep-alive connections, each sign-in with its own X-Forwarded-For, for a
 *   server started with TRUST_PROXY=loopback (as behind a reverse proxy).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import { cbor, SoftAuthenticator, type SoftCredential } from '../support/soft-authenticator';
import type { AuthenticationOptionsJSON } from '../../server/protocol/api';
import type { EnrollUser } from './ipc';

export type Addressing = 'bind' | 'xff';

export type BenchUsers = { authenticator: SoftAuthenticator; free: SoftCredential[] };

/** N fresh credentials, enrolled through `enroll`, which answers each user's handle. */
export async function enrollUsers(
  n: number,
  origin: string,
  enroll: (users: EnrollUser[]) => Promise<{ userHandle: string }[]>,
): Promise<BenchUsers> {
  const authenticator = new SoftAuthenticator(origin);
  const rpId = new URL(origin).hostname;
  const batch: EnrollUser[] = [];
  const creds: SoftCredential[] = [];
  for (let i = 0; i < n; i++) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = cbor(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x as string, 'base64url')],
        [-3, Buffer.from(jwk.y as string, 'base64url')],
      ]),
    );
    const id = randomBytes(32);
    creds.push({ id, privateKey, publicKey, userHandle: '', rpId, counter: 0 });
    batch.push({
      email: `bench-${i}-${id.toString('hex', 0, 4)}@example.com`,
      credentialId: id.toString('base64url'),
      publicKeyCose: cose.toString('base64url'),
    });
  }
  const handles = await enroll(batch);
  creds.forEach((c, i) => (c.userHandle = handles[i]!.userHandle));
  authenticator.credentials.push(...creds);
  return { authenticator, free: [...creds] };
}

// 127.a.b.c with a in 10..249 and b, c in 1..254: about 15 million addresses, never reused
// within a bench run. Per-client limits count per /24 (server/http/subnet.ts; passkey options:
// 60 a minute per subnet), so the /24 (a and b) changes fastest: 60,960 sign-ins in a row come
// from 60,960 subnets. With only b changing fastest, 254 subnets took every sign-in and a
// server above ~250 sign-ins/s met the options limit within the run.
let addressCounter = 0;
export function nextAddress(): string {
  const i = addressCounter++;
  const b = 1 + (i % 254);
  const a = 10 + (Math.floor(i / 254) % 240);
  const c = 1 + (Math.floor(i / (254 * 240)) % 254);
  return `127.${a}.${b}.${c}`;
}

type Reply = { status: number; body: string };

function post(
  base: URL,
  path: string,
  body: unknown,
  agent: http.Agent,
  extra: { localAddress?: string; xff?: string },
): Promise<Reply> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        path,
        method: 'POST',
        agent,
        localAddress: extra.localAddress,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(data),
          ...(extra.xff ? { 'x-forwarded-for': extra.xff } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

function get(
  base: URL,
  path: string,
  agent: http.Agent,
  extra: { localAddress?: string },
): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get(
        { host: base.hostname, port: base.port, path, agent, localAddress: extra.localAddress },
        (res) => {
          res.resume();
          res.on('end', () => resolve());
        },
      )
      .on('error', reject);
  });
}

export type SignInTiming = { total: number; options: number; verify: number };

/** One usernameless passkey sign-in as the desktop does it; throws on any refusal. */
export async function signIn(
  base: URL,
  users: BenchUsers,
  cred: SoftCredential,
  how: { addressing: Addressing; pool?: http.Agent; preconnect?: boolean },
): Promise<SignInTiming> {
  const address = nextAddress();
  const agent =
    how.addressing === 'bind'
      ? new http.Agent({ keepAlive: true, maxSockets: 1 })
      : (how.pool ?? http.globalAgent);
  const extra = how.addressing === 'bind' ? { localAddress: address } : { xff: address };
  try {
    // Latency rows open the connection first, so they time the server, not the TCP handshake.
    if (how.preconnect) await get(base, '/healthz', agent, extra);
    const t0 = performance.now();
    const o = await post(base, '/api/auth/passkey/options', {}, agent, extra);
    const t1 = performance.now();
    if (o.status !== 200) throw new Error(`options ${o.status} ${o.body.slice(0, 200)}`);
    const { attemptId, options } = JSON.parse(o.body) as {
      attemptId: string;
      options: AuthenticationOptionsJSON;
    };
    const response = users.authenticator.assert(options, { credential: cred });
    const t2 = performance.now();
    const v = await post(
      base,
      '/api/auth/passkey/verify',
      { attemptId, response, client: 'desktop', device: { name: 'bench', platform: 'linux' } },
      agent,
      extra,
    );
    const t3 = performance.now();
    if (v.status !== 200) throw new Error(`verify ${v.status} ${v.body.slice(0, 200)}`);
    if (!(JSON.parse(v.body) as { refreshToken?: string }).refreshToken)
      throw new Error('verify: no refresh token');
    return { total: t3 - t0, options: t1 - t0, verify: t3 - t2 };
  } finally {
    if (how.addressing === 'bind') agent.destroy();
  }
}

export type LoadResult = {
  concurrency: number;
  completed: number;
  failures: number;
  failureSamples: string[];
  wallSeconds: number;
  latencies: number[];
};

/**
 * `concurrency` workers, each signing in again as soon as its last sign-in ended, until
 * `seconds` passed; in-flight sign-ins finish and count. A credential is used by one worker
 * at a time, so its signature counter only ever moves forward (as on a real authenticator).
 */
export async function runLoad(
  url: string,
  users: BenchUsers,
  o: { concurrency: number; seconds: number; addressing: Addressing },
): Promise<LoadResult> {
  if (users.free.length < o.concurrency)
    throw new Error(`need at least ${o.concurrency} users, have ${users.free.length}`);
  const base = new URL(url);
  const pool =
    o.addressing === 'xff'
      ? new http.Agent({ keepAlive: true, maxSockets: o.concurrency })
      : undefined;
  const latencies: number[] = [];
  const failureSamples: string[] = [];
  let failures = 0;
  const t0 = performance.now();
  const end = t0 + o.seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      const cred = users.free.shift()!;
      try {
        latencies.push((await signIn(base, users, cred, { addressing: o.addressing, pool })).total);
      } catch (err) {
        failures++;
        if (failureSamples.length < 5) failureSamples.push((err as Error).message);
      } finally {
        users.free.push(cred);
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const wallSeconds = (performance.now() - t0) / 1000;
  pool?.destroy();
  return {
    concurrency: o.concurrency,
    completed: latencies.length,
    failures,
    failureSamples,
    wallSeconds,
    latencies,
  };
}
