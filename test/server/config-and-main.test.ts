/**
 * Configuration from the environment, and `npm run server` (server/main.ts) as a real process:
 * it starts on the embedded default (SQLite in DATA_DIR), prints where the phone web app and
 * the server are, answers /healthz and /readyz, and stops cleanly on SIGTERM.
 */
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config';

test('config defaults and parsing', () => {
  const d = loadConfig({});
  assert.equal(d.port, 8787);
  assert.equal(d.host, '127.0.0.1');
  assert.equal(d.rpId, 'localhost');
  assert.equal(d.rpOrigins, null, 'derived from the bound port: http://localhost:8787');
  assert.equal(d.trustProxy, false);
  assert.equal(d.logLevel, 'info');
  assert.equal(d.dataDir, path.resolve('./data'));

  const c = loadConfig({
    PORT: '9000',
    HOST: '0.0.0.0',
    RP_ID: 'exchange.example',
    RP_NAME: 'Example',
    RP_ORIGINS: 'https://exchange.example, https://m.exchange.example/',
    DATA_DIR: '/tmp/kb',
    TRUST_PROXY: 'loopback, 10.0.0.0/8',
    LOG_LEVEL: 'warn',
  });
  assert.deepEqual(c.rpOrigins, ['https://exchange.example', 'https://m.exchange.example']);
  assert.equal(c.port, 9000);
  assert.equal(c.trustProxy, 'loopback,10.0.0.0/8');
  assert.equal(loadConfig({ TRUST_PROXY: '10.0.0.0/8' }).trustProxy, '10.0.0.0/8');
  assert.equal(d.redisUrl, undefined, 'one process, pairings in memory');
  assert.equal(
    loadConfig({ REDIS_URL: 'redis://10.0.0.5:6379' }).redisUrl,
    'redis://10.0.0.5:6379',
  );
  assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT/);
  assert.equal(d.databaseUrl, undefined, 'SQLite in DATA_DIR by default');
  const key = Buffer.alloc(32, 7).toString('base64');
  assert.equal(
    loadConfig({ DATABASE_URL: 'postgresql://kb@db.internal/keybridge', SECRETS_KEY: key })
      .databaseUrl,
    'postgresql://kb@db.internal/keybridge',
  );
  assert.throws(
    () => loadConfig({ DATABASE_URL: 'mysql://db/keybridge', SECRETS_KEY: key }),
    /DATABASE_URL/,
  );
  assert.throws(
    () => loadConfig({ DATABASE_URL: 'postgres://db/keybridge' }),
    /SECRETS_KEY/,
    'each machine would make its own key file',
  );
  assert.throws(() => loadConfig({ RP_ORIGINS: 'https://exchange.example/path' }), /bare origin/);
});

test('npm run server starts, prints the URLs, serves, and stops on SIGTERM', async (t) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-main-'));
  t.onTestFinished(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '',
      RP_ID: '',
      RP_ORIGINS: '',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let out = '';
  const printed = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (b) => {
      out += String(b);
      if (/Phone web app: .*\n/.test(out)) resolve(out);
    });
    child.stderr.on('data', (b) => (out += String(b)));
    child.on('exit', (code) =>
      reject(new Error(`server exited (${code}) before printing: ${out}`)),
    );
  });
  const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(printed)?.[1];
  assert.ok(url, printed);
  const port = new URL(url).port;
  assert.match(printed, new RegExp(`Phone web app: http://localhost:${port}/m/`));
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.equal((await fetch(`${url}/readyz`)).status, 200);
  assert.ok(fs.existsSync(path.join(dataDir, 'keybridge.sqlite')), 'SQLite file in DATA_DIR');
  const cfg = (await (await fetch(`${url}/api/config`)).json()) as { phoneOrigin: string };
  assert.equal(cfg.phoneOrigin, `http://localhost:${port}`);

  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
});
