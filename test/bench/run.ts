/**
 * `npm run bench` (not part of npm test): what a sign-in costs, each figure beside a baseline
 * measured in the same run on the same machine. Sections (README.md beside this file says what
 * each row means):
 *
 *   throughput  sign-ins per server CPU-second: Keybridge on SQLite, on PostgreSQL + Redis, a
 *               minimal peer, and raw P-256 verification on one core (throughput.ts)
 *   latency     direct passkey sign-in on an idle server; QR sign-in vs direct; relay hop vs
 *               bare socket.io (latency.ts)
 *   qr          QR code version/modules for the sign-in link (qr-size.ts)
 *   pairings    10,000 waiting unscanned pairings: bytes each, creation rate (pairings.ts)
 *   startup     server start to /readyz (startup.ts)
 *
 * Options: --quick (a smoke run, well under a minute), --profile (a CPU profile of the server
 * during a throughput run, summarised), --perf (the same from Linux perf: CPU on every thread,
 * kernel included; perf-profile.ts), --only=throughput,latency,... Environment:
 * BENCH_SECONDS, BENCH_CONCURRENCY (e.g. 1,4,16), BENCH_USERS, BENCH_RUNS, BENCH_HOPS,
 * BENCH_PAIRINGS, BENCH_WRITES, BENCH_STARTS, BENCH_ADDRESSING (bind | xff), BENCH_POSTGRES=0,
 * BENCH_SERVERS (throughput servers: sqlite,peer,floor,floor-http,postgres),
 * BENCH_OUT (default out/bench: results.json, throughput.svg, prof/).
 *
 * Servers under test run in child processes that the bench stops (children.ts); the QR
 * section needs a keychain and, when none is reachable, the bench re-runs itself inside a
 * private D-Bus session with an unlocked gnome-keyring (scripts/with-keyring.sh).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createKeytarVault,
  KeychainUnavailableError,
  VAULT_SERVICE,
} from '../../electron/services/token-vault';
import { throughputSvg } from './chart';
import { stopAllChildren } from './children';
import { directIdle, qrAndRelay } from './latency';
import type { Addressing } from './load';
import { waitingPairings } from './pairings';
import { qrSize } from './qr-size';
import { startup } from './startup';
import { throughput } from './throughput';

const root = path.resolve(import.meta.dirname, '../..');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const profile = args.includes('--profile');
const perf = args.includes('--perf');
const ALL = ['throughput', 'latency', 'qr', 'pairings', 'startup'];
const only =
  args
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',') ?? ALL;
for (const s of only) if (!ALL.includes(s)) throw new Error(`--only: unknown section ${s}`);
const env = (name: string, normal: number, short: number) =>
  Number(process.env[name] ?? (quick ? short : normal));

const cfg = {
  seconds: env('BENCH_SECONDS', 6, 2),
  concurrency: (process.env.BENCH_CONCURRENCY ?? (quick ? '1,8' : '1,4,16,64'))
    .split(',')
    .map(Number),
  users: env('BENCH_USERS', 128, 16),
  runs: env('BENCH_RUNS', 100, 20),
  hops: env('BENCH_HOPS', 10_000, 1_000),
  pairings: env('BENCH_PAIRINGS', 10_000, 1_000),
  writes: env('BENCH_WRITES', 20_000, 2_000),
  starts: env('BENCH_STARTS', 5, 2),
  warmup: env('BENCH_WARMUP', 10, 3),
  settle: env('BENCH_SETTLE', 2000, 200),
  addressing: (process.env.BENCH_ADDRESSING ?? 'bind') as Addressing,
  postgres: process.env.BENCH_POSTGRES !== '0',
  servers: process.env.BENCH_SERVERS?.split(','),
  out: path.resolve(root, process.env.BENCH_OUT ?? 'out/bench'),
};
if (cfg.addressing !== 'bind' && cfg.addressing !== 'xff')
  throw new Error('BENCH_ADDRESSING must be bind or xff');

// ------------------------------------------------------------------ keychain or re-exec

const service = `${VAULT_SERVICE}.bench`;
const vault = createKeytarVault({ service });
if (only.includes('latency')) {
  try {
    await vault.getCurrentAccount();
  } catch (e) {
    if (!(e instanceof KeychainUnavailableError) || process.env.KEYBRIDGE_BENCH_CHILD) throw e;
    console.log('No keychain reachable: running inside dbus-run-session with gnome-keyring.');
    // dbus-run-session does not pass signals on, so the re-run watches this process instead
    // (KEYBRIDGE_BENCH_OUTER below) and stops its children when this one is gone.
    const inner = spawn(
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
        stdio: 'inherit',
        env: {
          ...process.env,
          KEYBRIDGE_BENCH_CHILD: '1',
          KEYBRIDGE_BENCH_OUTER: String(process.pid),
        },
      },
    );
    for (const signal of ['SIGINT', 'SIGTERM'] as const)
      process.once(signal, () => process.exit(130));
    const code = await new Promise<number>((resolve) =>
      inner.once('exit', (c, sig) => resolve(c ?? (sig ? 130 : 1))),
    );
    process.exit(code);
  }
}

// ------------------------------------------------------------------ the run

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    stopAllChildren();
    process.exit(130);
  });
const outer = Number(process.env.KEYBRIDGE_BENCH_OUTER ?? 0);
if (outer) {
  // Polling: a process has no event for "my grandparent exited".
  setInterval(() => {
    try {
      process.kill(outer, 0);
    } catch {
      stopAllChildren();
      process.exit(130);
    }
  }, 500).unref();
}

const started = performance.now();
const load = os.loadavg()[0] ?? 0;
console.log(
  `Keybridge benchmark — Node ${process.version}, ${os.cpus().length} cores, load average ${load.toFixed(2)} at start` +
    `${quick ? ', --quick' : ''}\nSections: ${only.join(', ')}`,
);
const results: Record<string, unknown> = {
  node: process.version,
  cores: os.cpus().length,
  loadAverageAtStart: load,
  startedAt: new Date().toISOString(),
  config: cfg,
};
try {
  if (only.includes('throughput')) {
    const t = await throughput({
      users: cfg.users,
      seconds: cfg.seconds,
      concurrency: cfg.concurrency,
      addressing: cfg.addressing,
      postgres: cfg.postgres,
      servers: cfg.servers,
      profileDir: profile ? path.join(cfg.out, 'prof') : undefined,
      perfDir: perf ? path.join(cfg.out, 'prof') : undefined,
      writes: cfg.writes,
    });
    results.throughput = t;
    fs.mkdirSync(cfg.out, { recursive: true });
    const svg = path.join(cfg.out, 'throughput.svg');
    fs.writeFileSync(
      svg,
      throughputSvg(
        t.servers,
        `${cfg.seconds} s per level, ${t.users} users, load avg ${load.toFixed(1)} at start`,
      ),
    );
    console.log(`  chart: ${path.relative(root, svg)}`);
  }
  if (only.includes('latency')) {
    results.directIdle = await directIdle(cfg.runs, cfg.warmup, cfg.settle);
    results.qrAndRelay = await qrAndRelay({
      runs: cfg.runs,
      hops: cfg.hops,
      warmup: cfg.warmup,
      vault,
    });
  }
  if (only.includes('qr')) results.qrSize = await qrSize();
  if (only.includes('pairings'))
    results.pairings = await waitingPairings(
      cfg.pairings,
      profile ? path.join(cfg.out, 'prof', 'pairings.cpuprofile') : undefined,
    );
  if (only.includes('startup')) results.startup = await startup(cfg.starts);
} catch (err) {
  console.log(`\nbench failed: ${(err as Error).stack ?? String(err)}`);
  stopAllChildren();
  process.exit(1);
}

results.seconds = (performance.now() - started) / 1000;
fs.mkdirSync(cfg.out, { recursive: true });
const json = path.join(cfg.out, 'results.json');
// Raw latency samples stay out (Stats only), so the file stays small.
fs.writeFileSync(json, JSON.stringify(results, null, 2) + '\n');
console.log(
  `\nFigures: ${path.relative(root, json)}  (whole run ${(results.seconds as number).toFixed(0)} s)`,
);
process.exit(0);
