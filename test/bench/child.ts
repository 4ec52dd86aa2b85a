/**
 * One server under test, in its own process, driven by the bench over IPC (test/bench/ipc.ts):
 *
 *   node --import tsx test/bench/child.ts keybridge   the real server (server/app.ts)
 *   node --import tsx test/bench/child.ts peer        the minimal peer (test/bench/peer.ts)
 *   node --import tsx test/bench/child.ts floor       the same requests, no sign-in (floor.ts)
 *   node --import tsx test/bench/child.ts floor-http  the same on bare node:http (floor-http.ts)
 *
 * The real server is configured like server/main.ts (loadConfig: DATABASE_URL, REDIS_URL,
 * SECRETS_KEY, TRUST_PROXY from the environment) with the test RP ID and port 0, default rate
 * limits, and logs at BENCH_LOG_LEVEL (default info, as in production) to stdout, which the
 * parent discards. BENCH_TUNNEL_LIMITS (JSON) overrides relay limits for the pairing bench.
 * Enrollment goes straight to the stores (an account with no usable password + one passkey),
 * so N users cost milliseconds, not N argon2 hashes.
 */
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { createServer } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';
import type { TunnelLimits } from '../../server/tunnel/limits';
import { randomId } from '../../server/util/random';
import type { ChildReply, ChildRequest, EnrollUser, MemSample, WritesSample } from './ipc';
import { startFloor } from './floor';
import { startFloorHttp } from './floor-http';
import { startPeer } from './peer';

const TEST_RP_ID = 'exchange.localhost';
const kind = process.argv[2];
const logLevel = process.env.BENCH_LOG_LEVEL ?? 'info';
const send = (m: ChildReply) => process.send?.(m);

type Running = {
  url: string;
  phoneOrigin: string;
  enroll(users: EnrollUser[]): Promise<{ userHandle: string }[]> | { userHandle: string }[];
  close(): Promise<void>;
  verifyClock?: { calls: number; ns: number };
  writes?: (count: number) => Promise<WritesSample>;
};

async function startKeybridge(): Promise<Running> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-bench-'));
  const config: Config = {
    ...loadConfig(process.env),
    port: 0,
    host: '127.0.0.1',
    rpId: TEST_RP_ID,
    rpName: 'Keybridge Bench Exchange',
    rpOrigins: null,
    dataDir,
    logLevel,
  };
  const limits = process.env.BENCH_TUNNEL_LIMITS
    ? (JSON.parse(process.env.BENCH_TUNNEL_LIMITS) as Partial<TunnelLimits>)
    : undefined;
  const server = await createServer(config, { tunnel: limits ? { limits } : undefined });
  await server.listen();
  const ctx = server.context;
  const port = (server.httpServer.address() as { port: number }).port;
  // How long the assertion check itself takes inside a busy server, beside the raw loop of
  // raw-verify.ts: the same ES256 verification costs more here, where the rest of the
  // sign-in has the CPU's caches between two checks (test/bench/README.md, Profile).
  const verifyClock = { calls: 0, ns: 0 };
  const assertions = ctx.assertions;
  const check = assertions.verify.bind(assertions);
  assertions.verify = async (c) => {
    const t0 = process.hrtime.bigint();
    try {
      return await check(c);
    } finally {
      verifyClock.ns += Number(process.hrtime.bigint() - t0);
      verifyClock.calls++;
    }
  };
  const enrolled: { userId: string; passkeyId: string }[] = [];
  /**
   * What a passkey sign-in writes, and nothing else: the counter, the session with its
   * refresh token, and the activity entry, committed together through the server's own stores
   * (as login-routes.ts and auth/sign-in.ts write them), one unit after another. No HTTP, no
   * verification: it says how much of a sign-in's CPU its durable writes take at the least.
   */
  async function writes(count: number): Promise<WritesSample> {
    if (!Number.isInteger(count) || count < 1) throw new RangeError('writes: count must be ≥ 1');
    if (enrolled.length === 0) throw new Error('writes: enroll users first');
    const meta = { ip: '127.0.0.1', userAgent: 'bench' };
    const unit = (i: number) => {
      const who = enrolled[i % enrolled.length]!;
      return ctx.commitTogether(async (stores) => {
        await stores.passkeys.recordUse(who.passkeyId, 1_000_000 + i, false, ctx.clock.now());
        const made = await stores.sessions.create({
          userId: who.userId,
          client: 'desktop',
          device: 'Keybridge desktop',
          method: 'passkey',
          passkeyId: who.passkeyId,
          ip: meta.ip,
          userAgent: meta.userAgent,
          elevatedUntil: null,
        });
        await stores.activity.record(who.userId, 'signin.succeeded', meta, {
          method: 'passkey',
          client: 'desktop',
          sessionId: made.session.id,
          passkeyId: who.passkeyId,
          passkeyName: 'Bench passkey',
        });
      });
    };
    // Warm: the statements compiled, V8's code optimised, as in a server that has been up.
    for (let i = 0; i < Math.min(1000, count); i++) await unit(i);
    const c0 = process.cpuUsage();
    for (let i = 0; i < count; i++) await unit(i);
    const c = process.cpuUsage(c0);
    return { count, cpuMicrosEach: (c.user + c.system) / count };
  }
  return {
    verifyClock,
    writes,
    url: `http://127.0.0.1:${port}`,
    phoneOrigin: ctx.phoneOrigin(),
    async enroll(users) {
      const out: { userHandle: string }[] = [];
      for (const u of users) {
        const now = ctx.clock.now();
        // Not an argon2 hash: password sign-in for these accounts always fails, by design.
        const user = await ctx.accounts.create(u.email, 'bench-no-password', now);
        if (!user) throw new Error(`enroll: ${u.email} exists`);
        const passkeyId = randomId();
        const ok = await ctx.passkeys.insert({
          id: passkeyId,
          user_id: user.id,
          credential_id: u.credentialId,
          public_key: u.publicKeyCose,
          counter: 0,
          transports: JSON.stringify(['internal']),
          aaguid: '00000000-0000-0000-0000-000000000000',
          backup_eligible: 0,
          backed_up: 0,
          uv_initialized: 1,
          name: 'Bench passkey',
          created_at: now,
          last_used_at: null,
        });
        if (!ok) throw new Error('enroll: credential id taken');
        enrolled.push({ userId: user.id, passkeyId });
        out.push({ userHandle: user.webauthn_user_id });
      }
      return out;
    },
    async close() {
      await server.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function memory(): MemSample {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run the child with --expose-gc');
  // Twice: the first pass can leave objects whose finalizers free more.
  gc();
  gc();
  const m = process.memoryUsage();
  return { heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss };
}

/**
 * V8's sampling CPU profiler (what --cpu-prof runs), switched on over IPC for just the
 * measured interval, so start-up (tsx transpiling, migrations) and enrollment stay out of it.
 */
let inspector: Session | null = null;
async function profileStart() {
  inspector = new Session();
  inspector.connect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.setSamplingInterval', { interval: 500 });
  await inspector.post('Profiler.start');
}
async function profileStop(file: string) {
  if (!inspector) throw new Error('profiler not started');
  const { profile } = await inspector.post('Profiler.stop');
  inspector.disconnect();
  inspector = null;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(profile));
  return file;
}

const running: Running =
  kind === 'peer'
    ? await startPeer({ rpId: TEST_RP_ID, logLevel })
    : kind === 'floor'
      ? await startFloor({ rpId: TEST_RP_ID, logLevel })
      : kind === 'floor-http'
        ? await startFloorHttp({ rpId: TEST_RP_ID, logLevel })
        : kind === 'keybridge'
          ? await startKeybridge()
          : (() => {
              throw new Error(`usage: child.ts keybridge|peer|floor|floor-http (got ${kind})`);
            })();

// The parent going away (crash, Ctrl-C) must not leave this process behind.
process.on('disconnect', () => void running.close().finally(() => process.exit(0)));

process.on('message', (raw) => {
  const m = raw as ChildRequest;
  const reply = (work: () => unknown) =>
    Promise.resolve()
      .then(work)
      .then(
        (result) => send({ type: 'reply', id: m.id, ok: true, result }),
        (err: unknown) =>
          send({
            type: 'reply',
            id: m.id,
            ok: false,
            error: (err as Error).message ?? String(err),
          }),
      );
  switch (m.op) {
    case 'cpu':
      return void reply(() => ({
        ...process.cpuUsage(),
        wall: performance.now(),
        ...(running.verifyClock ? { verify: { ...running.verifyClock } } : {}),
      }));
    case 'mem':
      return void reply(memory);
    case 'enroll':
      return void reply(() => running.enroll(m.users));
    case 'profile-start':
      return void reply(profileStart);
    case 'profile-stop':
      return void reply(() => profileStop(m.file));
    case 'writes':
      return void reply(() => {
        if (!running.writes) throw new Error(`${kind} has no sign-in writes to time`);
        return running.writes(m.count);
      });
    case 'stop':
      // A clean exit, so --cpu-prof writes its profile.
      return void reply(() => running.close()).then(() => process.exit(0));
  }
});

send({ type: 'ready', url: running.url, phoneOrigin: running.phoneOrigin });
