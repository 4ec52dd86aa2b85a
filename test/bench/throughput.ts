/**
 * Throughput: sign-ins per server CPU-second, for the real server on SQLite, the real server
 * on PostgreSQL + Redis, and the minimal peer (test/bench/peer.ts), each in its own child
 * process (test/bench/child.ts), at several concurrencies for a fixed time each; plus raw
 * P-256 verification on one core (test/bench/raw-verify.ts) as the floor.
 *
 * The figure is completed sign-ins / the server process's own CPU time (process.cpuUsage()
 * in the child, user + system) over the same interval, so a load generator sharing the cores
 * can slow the run down but cannot make the server look cheaper or dearer per sign-in.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { killOnExit, startChild, type ServerChild } from './children';
import type { WritesSample } from './ipc';
import { enrollUsers, runLoad, type Addressing } from './load';
import { heading, num, ms, row, stats, type Stats } from './stats';
import { createTestSchema, POSTGRES_URL } from '../support/postgres';
import { depsDelta, depsSampler, redisPid, type DepsSampler } from './deps-cpu';
import { startRedis } from '../server/tunnel/support/redis-server';
import { summariseProfile, printProfileSummary, type ProfileSummary } from './profile-summary';
import {
  PERF_CHILD_FLAGS,
  perfRecorder,
  perfUnavailable,
  printPerfSummary,
  removePerfMap,
  summarisePerf,
  type PerfSummary,
} from './perf-profile';

export type Level = {
  concurrency: number;
  completed: number;
  failures: number;
  failureSamples: string[];
  wallSeconds: number;
  serverCpuSeconds: number;
  /** completed / serverCpuSeconds */
  perCpuSecond: number;
  /** completed / wallSeconds (depends on what else runs on the machine) */
  perWallSecond: number;
  /** serverCpuSeconds / wallSeconds: 1.0 = one core busy */
  serverCores: number;
  /** the load generator's (this process's) CPU-seconds per wall second */
  clientCores: number;
  latency: Stats;
  /** Keybridge: mean wall time of its assertion check (AssertionVerifier.verify) per sign-in. */
  verifyMicros?: number;
  /** PostgreSQL + Redis mode: CPU in their processes over the same interval (deps-cpu.ts). */
  depsCpuSeconds?: { postgres: number; redis: number };
  /** completed / (server + PostgreSQL backends + Redis CPU) */
  perCpuSecondWithDeps?: number;
};

export type ServerRun = { name: string; label: string; levels: Level[]; skipped?: string };

export type RawVerify = {
  prepared: { perCpuSecond: number };
  withImport: { perCpuSecond: number };
};

export type ThroughputResult = {
  users: number;
  seconds: number;
  addressing: Addressing;
  rawVerify: RawVerify;
  servers: ServerRun[];
  profile?: { file: string; summary: ProfileSummary };
  /** The same profile of the PostgreSQL + Redis server (server process only). */
  profilePostgres?: { file: string; summary: ProfileSummary };
  perf?: { file: string; summary: PerfSummary } | { skipped: string };
  /** The SQLite server's sign-in writes alone, in a loop, after its levels. */
  writes?: WritesSample;
};

export type ThroughputOptions = {
  users: number;
  seconds: number;
  concurrency: number[];
  addressing: Addressing;
  postgres: boolean;
  /** BENCH_SERVERS: only these of sqlite, peer, floor, floor-http, postgres (default all). */
  servers?: string[];
  profileDir?: string;
  /** Sign-ins' writes timed alone in the SQLite server after its levels (BENCH_WRITES). */
  writes: number;
  /** --perf: also a perf profile of the SQLite server, into this folder (perf-profile.ts). */
  perfDir?: string;
};

/** A profiler around the measured interval of a level (not its warm-up). */
type Probe = { start(): Promise<unknown>; stop(): Promise<unknown> };

/** V8's sampling profiler inside the child, over IPC (child.ts). */
const v8Probe = (child: ServerChild, file: string): Probe => ({
  start: () => child.profileStart(),
  stop: () => child.profileStop(file),
});

/** CPU milliseconds per sign-in, from sign-ins per CPU-second. */
const cpuMs = (perCpuSecond: number) => `${(1000 / perCpuSecond).toFixed(2)} ms CPU each`;

const cpuSeconds = (a: { user: number; system: number }, b: { user: number; system: number }) =>
  (b.user + b.system - a.user - a.system) / 1e6;

async function measureServer(
  child: ServerChild,
  o: ThroughputOptions,
  levels: number[],
  deps?: DepsSampler,
  probe?: Probe,
): Promise<Level[]> {
  const users = await enrollUsers(o.users, child.phoneOrigin, child.enroll);
  // Warm-up: JIT, connection pools, SQLite page cache; not counted.
  await runLoad(child.url, users, {
    concurrency: Math.min(4, o.users),
    seconds: Math.min(2, o.seconds),
    addressing: o.addressing,
  });
  const out: Level[] = [];
  for (const concurrency of levels) {
    const depsBefore = await deps?.sample();
    await probe?.start();
    const before = await child.cpu();
    const client0 = process.cpuUsage();
    const r = await runLoad(child.url, users, {
      concurrency,
      seconds: o.seconds,
      addressing: o.addressing,
    });
    const client = process.cpuUsage(client0);
    const after = await child.cpu();
    await probe?.stop();
    const depsAfter = await deps?.sample();
    const serverCpu = cpuSeconds(before, after);
    const d = depsBefore && depsAfter ? depsDelta(depsBefore, depsAfter) : undefined;
    const checks = before.verify && after.verify ? after.verify.calls - before.verify.calls : 0;
    out.push({
      ...(checks > 0 && before.verify && after.verify
        ? { verifyMicros: (after.verify.ns - before.verify.ns) / checks / 1000 }
        : {}),
      ...(d
        ? {
            depsCpuSeconds: d,
            perCpuSecondWithDeps: r.completed / (serverCpu + d.postgres + d.redis),
          }
        : {}),
      concurrency,
      completed: r.completed,
      failures: r.failures,
      failureSamples: r.failureSamples,
      wallSeconds: r.wallSeconds,
      serverCpuSeconds: serverCpu,
      perCpuSecond: r.completed / serverCpu,
      perWallSecond: r.completed / r.wallSeconds,
      serverCores: serverCpu / r.wallSeconds,
      clientCores: (client.user + client.system) / 1e6 / r.wallSeconds,
      latency: stats(r.latencies),
    });
  }
  return out;
}

function printLevels(run: ServerRun): void {
  if (run.skipped) return row(run.label, `skipped: ${run.skipped}`);
  console.log(`  ${run.label}`);
  for (const l of run.levels) {
    row(
      `    concurrency ${String(l.concurrency).padStart(3)}`,
      `${num(l.perCpuSecond)} /CPU-s ${num(l.perWallSecond)} /s  cores ${l.serverCores.toFixed(2)}/${l.clientCores.toFixed(2)}` +
        `  p50 ${ms(l.latency.p50)} p99 ${ms(l.latency.p99)}  n=${l.completed} fail=${l.failures}`,
    );
    if (l.depsCpuSeconds)
      row(
        '',
        `  incl. PostgreSQL backends (${l.depsCpuSeconds.postgres.toFixed(2)} s) + Redis ` +
          `(${l.depsCpuSeconds.redis.toFixed(2)} s): ${num(l.perCpuSecondWithDeps!)} /CPU-s`,
      );
    for (const f of l.failureSamples) console.log(`        failure: ${f}`);
  }
}

/** The level each server does best at, per CPU-second (what the ratios compare). */
export const best = (run: ServerRun): Level | undefined =>
  [...run.levels].sort((a, b) => b.perCpuSecond - a.perCpuSecond)[0];

export async function throughput(o: ThroughputOptions): Promise<ThroughputResult> {
  const maxC = Math.max(...o.concurrency);
  if (o.users < maxC) o.users = maxC;
  heading(
    `Throughput — ${o.users} enrolled users, ${o.seconds} s per level, each sign-in from its own ` +
      `address (${o.addressing === 'bind' ? 'bound 127.a.b.c' : 'X-Forwarded-For via TRUST_PROXY=loopback'})`,
  );
  const env = o.addressing === 'xff' ? { TRUST_PROXY: 'loopback' } : {};

  const rawVerify = JSON.parse(
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(import.meta.dirname, 'raw-verify.ts'),
        String(Math.min(3, o.seconds)),
      ],
      { encoding: 'utf8' },
    ),
  ) as RawVerify;

  const servers: ServerRun[] = [];
  const run = async (
    name: string,
    label: string,
    start: () => Promise<ServerChild>,
    deps?: () => Promise<DepsSampler>,
    after?: (child: ServerChild) => Promise<void>,
  ) => {
    const child = await start();
    const sampler = await deps?.();
    try {
      servers.push({ name, label, levels: await measureServer(child, o, o.concurrency, sampler) });
      await after?.(child);
    } finally {
      await sampler?.close();
      await child.stop();
    }
    printLevels(servers[servers.length - 1]!);
  };

  let writes: WritesSample | undefined;
  const wanted = (name: string) => !o.servers || o.servers.includes(name);
  if (wanted('sqlite'))
    await run(
      'sqlite',
      'Keybridge, SQLite (one process)',
      () => startChild('keybridge', { env }),
      undefined,
      async (child) => {
        if (o.writes > 0) writes = await child.writes(o.writes);
      },
    );
  if (wanted('peer'))
    await run('peer', 'peer: Fastify + @simplewebauthn/server, in memory', () =>
      startChild('peer', { env }),
    );
  if (wanted('floor'))
    await run('floor', 'floor: the same two requests on Fastify, no sign-in (floor.ts)', () =>
      startChild('floor', { env }),
    );
  if (wanted('floor-http'))
    await run(
      'floor-http',
      'floor-http: the same two requests on bare node:http (floor-http.ts)',
      () => startChild('floor-http', { env }),
    );

  let profilePostgres: ThroughputResult['profile'];
  if (o.postgres && wanted('postgres')) {
    const schema = await createTestSchema();
    if (schema.unavailable) {
      servers.push({
        name: 'postgres+redis',
        label: 'Keybridge, PostgreSQL + Redis',
        levels: [],
        skipped: schema.unavailable,
      });
      printLevels(servers[servers.length - 1]!);
    } else {
      const redis = await startRedis();
      const forget = killOnExit(await redisPid(redis.url));
      const applicationName = `keybridge-bench-${schema.name}`;
      const pgChild = (databaseUrl: string) =>
        startChild('keybridge', {
          env: {
            ...env,
            DATABASE_URL: `${databaseUrl}&application_name=${applicationName}`,
            REDIS_URL: redis.url,
            SECRETS_KEY: randomBytes(32).toString('base64'),
          },
        });
      try {
        await run(
          'postgres+redis',
          'Keybridge, PostgreSQL + Redis',
          () => pgChild(schema.databaseUrl),
          () => depsSampler(POSTGRES_URL, applicationName, redis.url),
        );
        if (o.profileDir) {
          // As for SQLite below, a separate run, on a schema of its own (the users are new).
          const file = path.join(o.profileDir, 'server-postgres.cpuprofile');
          const own = await createTestSchema();
          const child = await pgChild(own.databaseUrl);
          try {
            await measureServer(child, o, [Math.min(16, maxC)], undefined, v8Probe(child, file));
          } finally {
            await child.stop();
            await own.drop();
          }
          profilePostgres = { file, summary: summariseProfile(file) };
        }
      } finally {
        await redis.stop();
        forget();
        await schema.drop();
      }
    }
  }

  let profile: ThroughputResult['profile'];
  if (o.profileDir) {
    // A separate run: the profiler's own cost must not leak into the figures above.
    const file = path.join(o.profileDir, 'server.cpuprofile');
    const child = await startChild('keybridge', { env });
    try {
      await measureServer(child, o, [Math.min(16, maxC)], undefined, v8Probe(child, file));
    } finally {
      await child.stop();
    }
    profile = { file, summary: summariseProfile(file) };
  }

  let perf: ThroughputResult['perf'];
  if (o.perfDir) {
    // Its own run too: perf's sampling and V8's map of JIT frames cost the server something.
    const skipped = perfUnavailable();
    if (skipped) perf = { skipped };
    else {
      const file = path.join(o.perfDir, 'server.perf.data');
      const child = await startChild('keybridge', { env, execArgv: PERF_CHILD_FLAGS });
      try {
        await measureServer(
          child,
          o,
          [Math.min(16, maxC)],
          undefined,
          perfRecorder(child.pid, file),
        );
        perf = {
          file,
          summary: summarisePerf(file, path.resolve(import.meta.dirname, '../..'), child.pid),
        };
      } finally {
        await child.stop();
        removePerfMap(child.pid);
      }
    }
  }

  heading('Throughput summary (best level of each, per server CPU-second)');
  const sqlite = servers.find((s) => s.name === 'sqlite');
  const peer = servers.find((s) => s.name === 'peer');
  const pg = servers.find((s) => s.name === 'postgres+redis');
  const floor = servers.find((s) => s.name === 'floor');
  const bf = floor && best(floor);
  const bs = sqlite && best(sqlite);
  const bp = peer && best(peer);
  const bg = pg && best(pg);
  row(
    'raw P-256 verify, node:crypto, one core (key prepared)',
    `${num(rawVerify.prepared.perCpuSecond, 0)} /CPU-s`,
  );
  row(
    'raw P-256 verify, key imported from JWK each time',
    `${num(rawVerify.withImport.perCpuSecond, 0)} /CPU-s`,
  );
  if (bs && bp) {
    row(
      'passkey sign-ins per server CPU-s, SQLite',
      `${num(bs.perCpuSecond)} /CPU-s (c=${bs.concurrency}, ${cpuMs(bs.perCpuSecond)})  ratio to peer ${(bs.perCpuSecond / bp.perCpuSecond).toFixed(2)} x` +
        `  fraction of raw verify/core ${((100 * bs.perCpuSecond) / rawVerify.prepared.perCpuSecond).toFixed(2)} %`,
    );
    if (bs.verifyMicros !== undefined) {
      const rawMicros = 1e6 / rawVerify.prepared.perCpuSecond;
      row(
        '  its assertion check, inside the server',
        `${bs.verifyMicros.toFixed(0)} µs per sign-in (${((bs.verifyMicros * bs.perCpuSecond) / 1e4).toFixed(0)} % of its CPU); the raw loop's verify ${rawMicros.toFixed(0)} µs`,
      );
    }
    row(
      'peer sign-ins per CPU-s',
      `${num(bp.perCpuSecond)} /CPU-s (c=${bp.concurrency}, ${cpuMs(bp.perCpuSecond)})  fraction of raw verify/core ${((100 * bp.perCpuSecond) / rawVerify.prepared.perCpuSecond).toFixed(2)} %`,
    );
  }
  if (bs && bp && bf) {
    // What is left for sign-in logic once the floor (transport, HTTP, JSON, logs) is paid.
    const floorMs = 1000 / bf.perCpuSecond;
    const above = (perCpuSecond: number) => 1000 / perCpuSecond - floorMs;
    row(
      'floor: same requests, no sign-in, per CPU-s',
      `${num(bf.perCpuSecond)} /CPU-s (c=${bf.concurrency}, ${cpuMs(bf.perCpuSecond)})  ratio to peer ${(bf.perCpuSecond / bp.perCpuSecond).toFixed(2)} x`,
    );
    row(
      '  CPU above the floor: Keybridge / peer',
      `${above(bs.perCpuSecond).toFixed(2)} ms / ${above(bp.perCpuSecond).toFixed(2)} ms each` +
        `  (2x peer needs ${(1000 / bp.perCpuSecond / 2).toFixed(2)} ms in all, the floor alone is ${floorMs.toFixed(2)} ms)`,
    );
  }
  const floorHttp = servers.find((s) => s.name === 'floor-http');
  const bh = floorHttp && best(floorHttp);
  if (bf && bh && bp) {
    // How much of the floor is Fastify's: about what leaving it for bare node:http would save.
    const saved = 1000 / bf.perCpuSecond - 1000 / bh.perCpuSecond;
    row(
      '  the same on bare node:http, per CPU-s',
      `${num(bh.perCpuSecond)} /CPU-s (c=${bh.concurrency}, ${cpuMs(bh.perCpuSecond)})  leaving Fastify would save about ${saved.toFixed(3)} ms per sign-in` +
        ` (${((100 * saved) / (1000 / bp.perCpuSecond / 2)).toFixed(0)} % of the 2x-peer budget)`,
    );
  }
  if (writes)
    row(
      "  the sign-in's writes alone, in a loop (SQLite)",
      `${(writes.cpuMicrosEach / 1000).toFixed(3)} ms CPU each (${writes.count} units: counter, session, refresh token, activity, one commit)`,
    );
  if (bp && writes && (bh ?? bf)) {
    // The least each part can cost, each measured alone: what 2x the peer leaves for the rest.
    const budget = 1000 / bp.perCpuSecond / 2;
    const transport = 1000 / (bh ?? bf)!.perCpuSecond;
    const check = 1000 / rawVerify.prepared.perCpuSecond;
    const store = writes.cpuMicrosEach / 1000;
    const least = transport + check + store;
    row(
      '  2x peer, against the least three parts cost',
      `budget ${budget.toFixed(3)} ms; transport ${transport.toFixed(3)} (${bh ? 'bare node:http' : 'Fastify'}) + raw verify ${check.toFixed(3)} + writes ${store.toFixed(3)} = ${least.toFixed(3)} ms (${((100 * least) / budget).toFixed(0)} % of it)` +
        (least >= budget
          ? `, ${(least - budget).toFixed(3)} ms over before any other work`
          : `, leaving ${(budget - least).toFixed(3)} ms for all the rest`),
    );
    // Everything else Keybridge's sign-in does (parsing, checks, sessions, logs), against it.
    if (bs)
      row(
        '  the rest of a Keybridge sign-in',
        `${(1000 / bs.perCpuSecond - least).toFixed(3)} ms CPU (its ${(1000 / bs.perCpuSecond).toFixed(3)} ms less those three parts)`,
      );
  }
  if (bs && bg) {
    row(
      'passkey sign-ins per server CPU-s, PostgreSQL + Redis',
      `${num(bg.perCpuSecond)} /CPU-s (c=${bg.concurrency}, ${cpuMs(bg.perCpuSecond)})  CPU per sign-in ratio to SQLite ${(bs.perCpuSecond / bg.perCpuSecond).toFixed(2)} x` +
        '  (server process only)',
    );
    if (bg.perCpuSecondWithDeps)
      row(
        '  same, counting PostgreSQL backends + Redis CPU too',
        `${num(bg.perCpuSecondWithDeps)} /CPU-s (${cpuMs(bg.perCpuSecondWithDeps)})  CPU per sign-in ratio to SQLite ${(bs.perCpuSecond / bg.perCpuSecondWithDeps).toFixed(2)} x`,
      );
  } else if (pg?.skipped)
    row('passkey sign-ins per server CPU-s, PostgreSQL + Redis', `skipped: ${pg.skipped}`);
  const failures = servers.flatMap((s) => s.levels).reduce((n, l) => n + l.failures, 0);
  row('failures (must be 0)', String(failures));
  if (profile) printProfileSummary(profile.summary, profile.file);
  if (profilePostgres) printProfileSummary(profilePostgres.summary, profilePostgres.file);
  if (perf && 'skipped' in perf) row('perf profile', `skipped: ${perf.skipped}`);
  else if (perf) printPerfSummary(perf.summary, perf.file);
  return {
    users: o.users,
    seconds: o.seconds,
    addressing: o.addressing,
    rawVerify,
    servers,
    profile,
    profilePostgres,
    perf,
    writes,
  };
}
