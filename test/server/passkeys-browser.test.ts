/**
 * Passkeys end to end with real Chromium and its CDP virtual authenticator against the real
 * server: register (needs step-up), usernameless sign-in, name fallback from the user agent
 * (the virtual authenticator reports the all-zero AAGUID), rename, delete with step-up and the
 * last-passkey guard, a second authenticator, replay refused with nothing changed, and the
 * browser refusing the passkey on a look-alike origin.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- JSON replies and the in-page helper object are untyped test plumbing */
import { test, afterAll, beforeAll } from 'vitest';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, addVirtualAuthenticator } from '../support/chromium';
import { startTestServer, type TestServer } from '../support/server';
import { WEBAUTHN_PAGE_HELPERS } from './browser-webauthn';
import { PASSWORD } from '../support/http';

type ApiReply = { status: number; body: Record<string, any> };

let srv: TestServer;
let browser: Browser;
beforeAll(async () => {
  srv = await startTestServer();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

async function phonePage(origin = srv.phoneOrigin): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(WEBAUTHN_PAGE_HELPERS);
  await page.goto(`${origin}/healthz`);
  return page;
}

const api = (page: Page, path: string, body?: unknown, method?: string) =>
  page.evaluate(([p, b, m]) => (window as any).kb.api(p, b, m), [
    path,
    body,
    method,
  ] as const) as Promise<ApiReply>;
const run = (page: Page, fn: string) =>
  page.evaluate((f) => (window as any).kb[f](), fn) as Promise<ApiReply>;

async function passkeyRow(id: string) {
  return srv.context.db
    .selectFrom('passkeys')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
}

test('register, sign in usernameless, rename, guarded delete — with a real browser passkey', async () => {
  const page = await phonePage();
  const auth = await addVirtualAuthenticator(page);
  assert.equal(
    (await api(page, '/api/accounts', { email: 'phone@example.com', password: PASSWORD })).status,
    201,
  );

  const added = await run(page, 'addPasskey');
  assert.equal(added.status, 201, JSON.stringify(added.body));
  assert.equal(added.body.name, 'Chrome on Linux', 'all-zero AAGUID -> name from the user agent');
  assert.equal(added.body.providerName, null);
  assert.equal(added.body.kind, 'device-bound');
  assert.equal((await auth.getCredentials()).length, 1);

  assert.equal((await api(page, '/api/auth/logout', {})).status, 200);
  assert.equal((await api(page, '/api/me')).status, 401);

  const login = await run(page, 'loginWithPasskey');
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const me = await api(page, '/api/me');
  assert.equal(me.body.session.method, 'passkey');
  assert.equal(me.body.session.passkeyId, added.body.id);
  assert.equal(me.body.elevatedUntil, null, 'a passkey sign-in is not a step-up');

  const list = await api(page, '/api/passkeys');
  assert.equal(list.body.passkeys[0].usedForThisSession, true);
  assert.ok(list.body.passkeys[0].lastUsedAt);

  const renamed = await api(
    page,
    `/api/passkeys/${added.body.id}`,
    { name: 'My test phone' },
    'PATCH',
  );
  assert.equal(renamed.status, 200);
  assert.equal(renamed.body.name, 'My test phone');

  const noStepUp = await api(page, `/api/passkeys/${added.body.id}`, undefined, 'DELETE');
  assert.equal(noStepUp.status, 403);
  assert.equal(noStepUp.body.error.code, 'step_up_required');
  assert.equal((await api(page, '/api/step-up', { password: PASSWORD })).status, 200);
  const guarded = await api(page, `/api/passkeys/${added.body.id}`, undefined, 'DELETE');
  assert.equal(guarded.status, 409);
  assert.equal(guarded.body.error.code, 'last_passkey');
  const deleted = await api(
    page,
    `/api/passkeys/${added.body.id}?acknowledgeLastPasskey=true`,
    undefined,
    'DELETE',
  );
  assert.equal(deleted.status, 200);
  assert.deepEqual(deleted.body.allAcceptedCredentialIds, []);

  // The authenticator still holds the credential; the server now answers passkey_unknown so the
  // phone can signal it.
  const unknown = await run(page, 'loginWithPasskey');
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.code, 'passkey_unknown');

  const events = (await api(page, '/api/activity')).body.events.map(
    (e: { type: string }) => e.type,
  );
  for (const t of [
    'passkey.added',
    'passkey.renamed',
    'passkey.removed',
    'stepup.succeeded',
    'signin.succeeded',
  ]) {
    assert.ok(events.includes(t), t);
  }
  const signin = (await api(page, '/api/activity')).body.events.find(
    (e: { type: string; details: { method: string } }) =>
      e.type === 'signin.succeeded' && e.details.method === 'passkey',
  );
  assert.equal(signin.details.passkeyId, added.body.id);
  assert.equal(signin.details.passkeyName, 'Chrome on Linux');
  assert.ok(signin.ip);
  await page.context().close();
});

test('a second authenticator adds a second passkey; excludeCredentials and the guard adapt', async () => {
  const page = await phonePage();
  const first = await addVirtualAuthenticator(page);
  assert.equal(
    (await api(page, '/api/accounts', { email: 'two@example.com', password: PASSWORD })).status,
    201,
  );
  const a = await run(page, 'addPasskey');
  assert.equal(a.status, 201);
  await first.remove();
  await addVirtualAuthenticator(page, { defaultBackupEligibility: true, defaultBackupState: true });
  const b = await run(page, 'addPasskey');
  assert.equal(b.status, 201, JSON.stringify(b.body));
  assert.equal(b.body.kind, 'synced');
  assert.equal(b.body.backedUp, true);
  const del = await api(page, `/api/passkeys/${a.body.id}`, undefined, 'DELETE');
  assert.equal(del.status, 200, 'not the last one: no acknowledgement needed');
  assert.deepEqual(del.body.allAcceptedCredentialIds, [b.body.credentialId]);
  await page.context().close();
});

test('a replayed assertion is refused and nothing changes in storage', async () => {
  const page = await phonePage();
  await addVirtualAuthenticator(page);
  assert.equal(
    (await api(page, '/api/accounts', { email: 'replay@example.com', password: PASSWORD })).status,
    201,
  );
  const added = await run(page, 'addPasskey');
  const signed = (await page.evaluate(() => (window as any).kb.signAssertion())) as {
    attemptId: string;
    response: unknown;
  };
  const first = await api(page, '/api/auth/passkey/verify', signed);
  assert.equal(first.status, 200);
  const before = await passkeyRow(added.body.id);
  const sessionsBefore = await srv.context.db.selectFrom('sessions').select('id').execute();

  const sameAttempt = await api(page, '/api/auth/passkey/verify', signed);
  assert.equal(sameAttempt.status, 400);
  assert.equal(sameAttempt.body.error.code, 'attempt_not_found');
  const fresh = await api(page, '/api/auth/passkey/options', {});
  const otherAttempt = await api(page, '/api/auth/passkey/verify', {
    ...signed,
    attemptId: fresh.body.attemptId,
  });
  assert.equal(otherAttempt.status, 400);
  assert.equal(otherAttempt.body.error.code, 'passkey_verification_failed', 'challenge mismatch');

  assert.deepEqual(
    await passkeyRow(added.body.id),
    before,
    'counter, backup state and last used unchanged',
  );
  assert.deepEqual(
    await srv.context.db.selectFrom('sessions').select('id').execute(),
    sessionsBefore,
    'no new session',
  );
  await page.context().close();
});

test('the browser refuses the passkey on a look-alike origin', async () => {
  const page = await phonePage(`http://exchange-login.localhost:${srv.port}`);
  await addVirtualAuthenticator(page);
  const result = await page.evaluate(() => (window as any).kb.getWithRpId('exchange.localhost'));
  assert.match(result, /SecurityError/);
  await page.context().close();
});
