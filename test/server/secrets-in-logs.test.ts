/**
 * Runs a full flow (sign up, TOTP enrolment, password + TOTP sign-in, recovery code, refresh,
 * reuse, step-up, passkey registration and sign-in, reverse code, failures and bad input that
 * carry secrets) and then searches everything the server logged — at debug level — for each
 * secret it saw: passwords, TOTP secret and codes, recovery codes, access/refresh/cookie
 * tokens, challenges, reverse codes, the private key. The database file is checked for raw
 * tokens and passwords too.
 */
import { test, afterAll, beforeAll } from 'vitest';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '../support/server';
import { SoftAuthenticator } from '../support/soft-authenticator';
import { totpCodeAt } from '../../server/totp/totp';
import { ManualClock } from '../../server/util/clock';
import type { AuthenticationOptionsJSON, RegistrationOptionsJSON } from '../../server/protocol/api';
import { fakePairings } from './fake-pairings';
import { call, sessionCookie, type DesktopTokens } from '../support/http';

let srv: TestServer;
const clock = new ManualClock();
const seam = fakePairings();
beforeAll(async () => {
  srv = await startTestServer({ clock, logLevel: 'trace', seams: { pairingLink: seam.wrap } });
});
afterAll(() => srv.close());

test('no secret reaches the logs', async () => {
  const secrets = new Map<string, string>();
  const keep = (label: string, value: string) => secrets.set(`${label}#${secrets.size}`, value);
  const email = 'secrets@example.com';
  const password = 'Sup3r-secret-passw0rd-for-logs';
  keep('password', password);

  const signUp = await call(srv.url, '/api/accounts', { body: { email, password } });
  const cookie = sessionCookie(signUp);
  keep('cookie token', cookie.split('=')[1]!);

  const setup = await call<{ secret: string; otpauthUri: string }>(srv.url, '/api/2fa/totp/setup', {
    cookie,
    method: 'POST',
  });
  keep('totp secret', setup.body.secret);
  const code1 = totpCodeAt(setup.body.secret, clock.now());
  keep('totp code', code1);
  const confirm = await call<{ recoveryCodes: string[] }>(srv.url, '/api/2fa/totp/confirm', {
    cookie,
    body: { code: code1 },
  });
  assert.equal(confirm.status, 200);
  confirm.body.recoveryCodes.forEach((c) => keep('recovery code', c));

  // Failures that carry secrets: wrong password, wrong code, a password inside malformed JSON.
  const wrongPassword = 'Wr0ng-but-still-secret-password';
  keep('wrong password', wrongPassword);
  await call(srv.url, '/api/auth/password', { body: { email, password: wrongPassword } });
  clock.advance(30_000);
  const code2 = totpCodeAt(setup.body.secret, clock.now());
  const wrongCode = code2 === '918273' ? '918274' : '918273';
  keep('wrong totp', wrongCode);
  await call(srv.url, '/api/auth/password', { body: { email, password, totp: wrongCode } });
  await call(srv.url, '/api/auth/password', {
    raw: `{"email":"${email}","password":"${password}",`,
  });
  await call(srv.url, '/api/auth/password', {
    raw: JSON.stringify({ email, password, extra: password }),
  });

  keep('totp code', code2);
  const login = await call<DesktopTokens>(srv.url, '/api/auth/password', {
    body: { email, password, totp: code2, client: 'desktop' },
  });
  assert.equal(login.status, 200);
  keep('access token', login.body.accessToken);
  keep('refresh token', login.body.refreshToken);
  await call(srv.url, '/api/auth/password', {
    body: { email, password, totp: confirm.body.recoveryCodes[0] },
  });

  const refreshed = await call<DesktopTokens>(srv.url, '/api/auth/refresh', {
    body: { refreshToken: login.body.refreshToken },
  });
  keep('access token', refreshed.body.accessToken);
  keep('refresh token', refreshed.body.refreshToken);
  await call(srv.url, '/api/auth/refresh', { body: { refreshToken: login.body.refreshToken } }); // reuse

  clock.advance(30_000);
  const code3 = totpCodeAt(setup.body.secret, clock.now());
  keep('totp code', code3);
  const login2 = await call<DesktopTokens>(srv.url, '/api/auth/password', {
    body: { email, password, totp: confirm.body.recoveryCodes[1], client: 'desktop' },
  });
  keep('access token', login2.body.accessToken);
  keep('refresh token', login2.body.refreshToken);
  const token = login2.body.accessToken;
  assert.equal(
    (await call(srv.url, '/api/step-up', { token, body: { password, totp: code3 } })).status,
    200,
  );

  const auth = new SoftAuthenticator(srv.phoneOrigin);
  const ro = await call<{ attemptId: string; options: RegistrationOptionsJSON }>(
    srv.url,
    '/api/passkeys/options',
    { token, body: {} },
  );
  keep('registration challenge', ro.body.options.challenge);
  assert.equal(
    (
      await call(srv.url, '/api/passkeys/verify', {
        token,
        body: { attemptId: ro.body.attemptId, response: auth.register(ro.body.options) },
      })
    ).status,
    201,
  );
  keep('private key', auth.credentials[0]!.privateKey.export({ format: 'jwk' }).d as string);

  // QR sign-in: options linked to a pairing, the phone approves, the desktop redeems with codes.
  seam.engage();
  const pairingId = seam.newPairingId();
  const lo = await call<{ attemptId: string; options: AuthenticationOptionsJSON }>(
    srv.url,
    '/api/auth/passkey/options',
    { body: { pairingId } },
  );
  keep('login challenge', lo.body.options.challenge);
  const reverse = await srv.context.loginAttempts.issueReverseCode(lo.body.attemptId);
  keep('reverse code', reverse);
  const response = auth.assert(lo.body.options);
  keep('assertion signature', response.response.signature);
  const approved = await call(srv.url, '/api/auth/passkey/approve', {
    body: { pairingId, response },
  });
  seam.restore();
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  await call(srv.url, '/api/auth/passkey/redeem', {
    body: {
      attemptId: lo.body.attemptId,
      reverseCode: reverse === '000000' ? '000001' : '000000',
    },
  });
  const pk = await call<DesktopTokens>(srv.url, '/api/auth/passkey/redeem', {
    body: { attemptId: lo.body.attemptId, reverseCode: reverse, client: 'desktop' },
  });
  assert.equal(pk.status, 200);
  keep('access token', pk.body.accessToken);
  keep('refresh token', pk.body.refreshToken);

  // A refused assertion (wrong challenge) makes the library describe challenges in its error.
  const lo2 = await call<{ attemptId: string; options: AuthenticationOptionsJSON }>(
    srv.url,
    '/api/auth/passkey/options',
    { body: {} },
  );
  keep('login challenge', lo2.body.options.challenge);
  await call(srv.url, '/api/auth/passkey/verify', {
    body: { attemptId: lo2.body.attemptId, response: auth.assert(lo.body.options) },
  });

  const logs = srv.logs();
  // The capture works and is substantial: otherwise "nothing found" would prove nothing. One
  // access line per request (server/http/access-log.ts; Fastify's two were 40-odd lines).
  const accessLines = logs.split('\n').filter((l) => l.includes('"msg":"request completed"'));
  assert.ok(accessLines.length > 20, `access lines captured: ${accessLines.length}`);
  assert.match(logs, /"url":"\/api\/auth\/password"/);
  assert.match(logs, /passkey sign-in refused/);
  for (const [label, value] of secrets) {
    assert.ok(value.length >= 6, label);
    assert.ok(!logs.includes(value), `${label} leaked into the logs`);
  }

  // The database holds hashes of tokens and codes, never the raw values, and the TOTP secret
  // only sealed (AES-256-GCM under DATA_DIR/secrets.key): a copied database alone reveals no
  // seed. One-time codes are never stored; they are 6 digits, which can occur by chance among
  // timestamps and page bytes, so they are left out of this search.
  const dir = srv.dataDir;
  const files = fs.readdirSync(dir).filter((f) => f.startsWith('keybridge.sqlite'));
  assert.ok(files.includes('keybridge.sqlite'), `database file found: ${files.join(', ')}`);
  const db = files.map((f) => fs.readFileSync(path.join(dir, f)).toString('latin1')).join('');
  assert.match(db, /enc:v1:/, 'the sealed TOTP secret is in the database');
  for (const [label, value] of secrets) {
    if (label.startsWith('totp code') || label.startsWith('wrong totp')) continue;
    assert.ok(!db.includes(value), `${label} stored raw in the database`);
  }
  const seed = Buffer.from(base32Bytes(setup.body.secret));
  assert.ok(!db.includes(seed.toString('latin1')), 'TOTP seed bytes stored raw in the database');
});

/** RFC 4648 base32 to bytes (the seed itself, in case it were ever stored decoded). */
function base32Bytes(text: string): number[] {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of text.replace(/=+$/, ''))
    bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const out: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) out.push(parseInt(bits.slice(i, i + 8), 2));
  return out;
}
