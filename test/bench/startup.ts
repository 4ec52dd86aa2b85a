/**
 * Server start to ready: spawn the server process as an operator would and time from spawn
 * to the first 200 from GET /readyz (each run a fresh DATA_DIR, so migrations run too).
 *
 * - today's way: `node --import tsx server/main.ts` (npm run server), transpiling on start;
 * - a built checkout: BENCH_SERVER_ENTRY=<file.js>, or out/server/main.js / dist/server/main.js
 *   when a build put one there;
 * - for comparison, the same server/main.ts bundled by esbuild here (packages stay in
 *   node_modules), i.e. what a plain build step would give.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { track } from './children';
import { heading, latencyRow, row, stats, type Stats } from './stats';

const root = path.resolve(import.meta.dirname, '../..');

async function startToReady(args: string[]): Promise<number> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-start-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  track(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    // main.ts prints its URL once listening (PORT=0: the kernel picked the port).
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening`)));
    });
    for (;;) {
      const ok = await fetch(`${url}/readyz`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 5)); // poll: readiness has no event to wait on
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function measure(args: string[], runs: number): Promise<Stats> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push(await startToReady(args));
  return stats(out);
}

export type StartupResult = {
  tsx: Stats;
  built?: { entry: string; stats: Stats };
  esbuild?: Stats;
};

export async function startup(runs: number): Promise<StartupResult> {
  heading(`Server start to /readyz 200 (spawned process, fresh DATA_DIR, ${runs} runs)`);
  const tsx = await measure(['--import', 'tsx', 'server/main.ts'], runs);
  latencyRow('today: node --import tsx server/main.ts', tsx);
  const result: StartupResult = { tsx };

  const entry =
    process.env.BENCH_SERVER_ENTRY ??
    ['out/server/main.js', 'out/server/main.mjs', 'dist/server/main.js', 'dist/server/main.mjs']
      .map((p) => path.join(root, p))
      .find((p) => fs.existsSync(p));
  if (entry) {
    result.built = { entry, stats: await measure([entry], runs) };
    latencyRow(`built checkout: node ${path.relative(root, entry)}`, result.built.stats);
  } else {
    row('built checkout', 'none found (set BENCH_SERVER_ENTRY=<built main.js>)');
  }

  // Two folders below the root, so server/web/phone-app.ts still finds dist/phone.
  const bundleDir = path.join(root, 'out', 'bench-server');
  const outfile = path.join(bundleDir, 'main.mjs');
  await build({
    entryPoints: [path.join(root, 'server/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
  });
  try {
    result.esbuild = await measure([outfile], runs);
    latencyRow('server/main.ts bundled here by esbuild, node main.mjs', result.esbuild);
  } finally {
    fs.rmSync(bundleDir, { recursive: true, force: true });
  }
  return result;
}
