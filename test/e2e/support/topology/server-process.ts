/**
 * One Keybridge server as it is deployed: its own process (`node --import tsx server/main.ts`),
 * configured only by the environment (server/config.ts), on a port it picks (PORT=0) and
 * prints. Output is kept so a test can check that no secret reached the logs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { waitUntil } from './wait';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../../..');

export type ServerProcess = {
  port: number;
  url: string;
  logs(): string;
  /**
   * Everything the server logged up to now. It writes stdout in batches (server/logging.ts),
   * so this asks for a marked request and waits until its access line is out: the lines before
   * it share the stream, so they are out too.
   */
  flushedLogs(): Promise<string>;
  stop(): Promise<void>;
};

function getJson(url: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: text });
        }
      });
    });
    req.on('error', () => resolve({ status: 0, body: null }));
  });
}

/** `env` is the deployment's configuration (RP_ID, DATABASE_URL, REDIS_URL, TRUST_PROXY, ...). */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-node-'));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'server/main.ts')],
    {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? os.tmpdir(),
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async () => {
    if (!exited) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(killer);
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  let port = 0;
  try {
    await waitUntil(
      () => {
        if (exited) throw new Error(`server exited before listening:\n${out}`);
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (m) port = Number(m[1]);
        return port > 0;
      },
      { what: 'the server to listen', timeoutMs: 30_000 },
    );
    // Ready = database and Redis answer (server/http/ops-routes.ts).
    await waitUntil(
      async () => {
        if (exited) throw new Error(`server exited:\n${out}`);
        const r = await getJson(`http://127.0.0.1:${port}/readyz`);
        return r.status === 200 && (r.body as { ok?: boolean }).ok === true;
      },
      { what: '/readyz', timeoutMs: 30_000 },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const flushedLogs = async () => {
    const marker = `/healthz?flushed=${Math.random().toString(36).slice(2)}`;
    await getJson(`http://127.0.0.1:${port}${marker}`);
    await waitUntil(() => out.includes(marker), {
      what: 'the server log to be written out',
      timeoutMs: 10_000,
    });
    return out;
  };
  return { port, url: `http://127.0.0.1:${port}`, logs: () => out, flushedLogs, stop };
}
