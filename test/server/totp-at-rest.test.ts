/**
 * TOTP seeds at rest: sealed with AES-256-GCM under SECRETS_KEY or, when unset, a key file
 * DATA_DIR/secrets.key (0600) created once and announced in the log without the key. A raw
 * seed left by an older version is sealed at start-up, and sign-in with TOTP keeps working.
 */
import { test, type TestContext } from 'vitest';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createServer } from '../../server/app';
import { defaultRateLimits, loadConfig, type Config } from '../../server/config';
import { newTotpSecret, totpCodeAt } from '../../server/totp/totp';
import { ManualClock } from '../../server/util/clock';
import { startTestServer } from '../support/server';
import { call, PASSWORD, sessionCookie, signUp } from '../support/http';

function tempDir(t: Pick<TestContext, 'onTestFinished'>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-at-rest-'));
  t.onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A real server on dataDir (kept across restarts, unlike startTestServer's temp dir). */
async function serverOn(dataDir: string, clock: ManualClock, secretsKey?: Buffer) {
  const lines: string[] = [];
  const config: Config = {
    port: 0,
    host: '127.0.0.1',
    rpId: 'exchange.localhost',
    rpName: 'At Rest',
    rpOrigins: null,
    dataDir,
    trustProxy: false,
    logLevel: 'info',
    bodyLimit: 64 * 1024,
    rateLimits: defaultRateLimits,
    secretsKey,
  };
  const server = await createServer(config, {
    clock,
    logDestination: new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  const url = await server.listen();
  return { server, url, logs: () => lines.join('') };
}

const databaseText = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('keybridge.sqlite'))
    .map((f) => fs.readFileSync(path.join(dir, f)).toString('latin1'))
    .join('');

test('SECRETS_KEY is read from the environment as 32 base64 bytes', () => {
  const key = randomBytes(32);
  assert.deepEqual(loadConfig({ SECRETS_KEY: key.toString('base64') }).secretsKey, key);
  assert.equal(loadConfig({}).secretsKey, undefined);
  assert.throws(
    () => loadConfig({ SECRETS_KEY: randomBytes(16).toString('base64') }),
    /SECRETS_KEY/,
  );
  assert.throws(() => loadConfig({ SECRETS_KEY: 'not base64 at all!' }), /SECRETS_KEY/);
});

test('without SECRETS_KEY a 0600 key file is created once and logged without the key', async (t) => {
  const srv = await startTestServer();
  t.onTestFinished(() => srv.close());
  const file = path.join(srv.dataDir, 'secrets.key');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  const key = fs.readFileSync(file, 'utf8').trim();
  assert.equal(Buffer.from(key, 'base64').length, 32);
  assert.match(srv.logs(), /created a secrets key file/);
  assert.ok(!srv.logs().includes(key), 'the key is not logged');

  // Enrol TOTP: the database holds the seed sealed, and codes are checked against it.
  const clock = srv.context.clock;
  const cookie = await signUp(srv.url, 'rest@example.com');
  const setup = await call<{ secret: string }>(srv.url, '/api/2fa/totp/setup', {
    cookie,
    method: 'POST',
  });
  assert.ok(!databaseText(srv.dataDir).includes(setup.body.secret), 'pending seed sealed');
  const confirm = await call(srv.url, '/api/2fa/totp/confirm', {
    cookie,
    body: { code: totpCodeAt(setup.body.secret, clock.now()) },
  });
  assert.equal(confirm.status, 200);
  const row = await srv.context.db
    .selectFrom('users')
    .select('totp_secret')
    .where('email', '=', 'rest@example.com')
    .executeTakeFirstOrThrow();
  assert.match(row.totp_secret ?? '', /^enc:v1:/);
  assert.ok(!databaseText(srv.dataDir).includes(setup.body.secret), 'active seed sealed');
});

test('a raw seed from before is sealed at start-up; the key file is reused; TOTP still works', async (t) => {
  const dir = tempDir(t);
  const clock = new ManualClock();
  const first = await serverOn(dir, clock);
  const email = 'legacy@example.com';
  sessionCookie(await call(first.url, '/api/accounts', { body: { email, password: PASSWORD } }));
  // What an older version stored: the base32 seed as is.
  const seed = newTotpSecret();
  await first.server.context.db
    .updateTable('users')
    .set({ totp_secret: seed, totp_last_step: null })
    .where('email', '=', email)
    .execute();
  await first.server.close();
  const key = fs.readFileSync(path.join(dir, 'secrets.key'), 'utf8');
  assert.ok(databaseText(dir).includes(seed), 'the legacy row holds the raw seed');

  const second = await serverOn(dir, clock);
  t.onTestFinished(() => second.server.close());
  assert.equal(fs.readFileSync(path.join(dir, 'secrets.key'), 'utf8'), key, 'same key file');
  assert.doesNotMatch(second.logs(), /created a secrets key file/);
  assert.match(second.logs(), /sealed TOTP secrets stored before encryption/);
  assert.ok(!databaseText(dir).includes(seed), 'the raw seed is gone from the database files');
  const login = await call(second.url, '/api/auth/password', {
    body: { email, password: PASSWORD, totp: totpCodeAt(seed, clock.now()) },
  });
  assert.equal(login.status, 200, JSON.stringify(login.body));
});

test('with SECRETS_KEY no key file is written, and another key cannot open the seeds', async (t) => {
  const dir = tempDir(t);
  const clock = new ManualClock();
  const key = randomBytes(32);
  const first = await serverOn(dir, clock, key);
  assert.equal(fs.existsSync(path.join(dir, 'secrets.key')), false);
  const email = 'keyed@example.com';
  const cookie = sessionCookie(
    await call(first.url, '/api/accounts', { body: { email, password: PASSWORD } }),
  );
  const setup = await call<{ secret: string }>(first.url, '/api/2fa/totp/setup', {
    cookie,
    method: 'POST',
  });
  const code = totpCodeAt(setup.body.secret, clock.now());
  assert.equal(
    (await call(first.url, '/api/2fa/totp/confirm', { cookie, body: { code } })).status,
    200,
  );
  await first.server.close();

  // The same database with a different key: start-up says so plainly.
  const wrong = await serverOn(dir, clock, randomBytes(32));
  t.onTestFinished(() => wrong.server.close());
  assert.match(wrong.logs(), /do not open with this secrets key/);
});
