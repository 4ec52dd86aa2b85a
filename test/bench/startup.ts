/**
 * Server start to ready: spawn the server process as an operator would and time from spawn
 * to the first 200 from GET /readyz (each run a fresh DATA_DIR, so migrations run too).
 *
 * - `npm run server`: out/server/main.js, built here first by scripts/build-server.mjs (or
 *   BENCH_SERVER_ENTRY=<file.js>);
 * - beside it, the same server through the TypeScript loader (`node --import tsx
 *   server/main.ts`, how it ran before it was compiled).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
  built: { entry: string; stats: Stats };
};

export async function startup(runs: number): Promise<StartupResult> {
  heading(`Server start to /readyz 200 (spawned process, fresh DATA_DIR, ${runs} runs)`);
  // What `npm run server` and `npm start` run: the server compiled by scripts/build-server.mjs.
  const built = spawnSync(process.execPath, [path.join(root, 'scripts/build-server.mjs')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (built.status !== 0) throw new Error('scripts/build-server.mjs failed');
  const entry = process.env.BENCH_SERVER_ENTRY ?? path.join(root, 'out/server/main.js');
  const result: StartupResult = {
    tsx: await measure(['--import', 'tsx', 'server/main.ts'], runs),
    built: { entry, stats: await measure([entry], runs) },
  };
  latencyRow(`npm run server: node ${path.relative(root, entry)}`, result.built.stats);
  latencyRow('before: node --import tsx server/main.ts', result.tsx);
  row('ratio compiled / tsx', `p50 ${(result.built.stats.p50 / result.tsx.p50).toFixed(2)} x`);
  return result;
}
