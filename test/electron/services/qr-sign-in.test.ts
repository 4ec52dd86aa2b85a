/**
 * The desktop client end to end: the real server and relay, the real phone page in Chromium
 * with a CDP virtual authenticator holding the passkey, the desktop client in Node, and the
 * real keychain (gnome-keyring under scripts/with-keyring.sh).
 */
import type * as Keytar from 'keytar';
import { afterAll, beforeAll, test, type TestContext } from 'vitest';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Browser } from 'playwright-core';
import { createApiClient } from '../../../electron/services/api-client';
import { createQrLogin, type QrPurpose } from '../../../electron/services/qr-login';
import { createSessionManager } from '../../../electron/services/session';
import {
  createKeytarVault,
  vaultAccountName,
  VAULT_SERVICE,
} from '../../../electron/services/token-vault';
import { parseQrLink } from '../../../server/protocol/qr-link';
import { launchChromium } from '../../support/chromium';
import { createPhone, type Phone } from '../../support/phone';
import { assertAxeCleanBothThemes } from '../../support/axe';
import { recordStates, waitForState, wrongCode } from './support/flow';
import { startTestServer, type TestServer } from '../../support/server';

const keytar = createRequire(import.meta.url)('keytar') as typeof Keytar;
const service = `${VAULT_SERVICE}.test-qr-${randomBytes(4).toString('hex')}`;
const vault = createKeytarVault({ service });
const PASSWORD = 'a long enough password 1';
const device = { name: 'Test desktop', platform: 'Linux' };

let server: TestServer;
let browser: Browser;
let phone: Phone;
const email = `qr-${randomBytes(3).toString('hex')}@example.com`;

beforeAll(async () => {
  server = await startTestServer();
  browser = await launchChromium();
  phone = await createPhone({ phoneOrigin: server.phoneOrigin, browser });
  await phone.signUp(email, PASSWORD);
  await phone.enrolPasskey(PASSWORD);
});

/**
 * A camera scan opens the link as a new page. Going from /m/pair#old to /m/pair#new in the same
 * tab is only a fragment change (no reload), so leave the pair page first.
 */
async function scan(p: Phone, link: string, opts?: { expectCode?: boolean }) {
  await p.page.goto('about:blank');
  return p.approvePairing(link, opts);
}

/**
 * A desktop's services against the test server (optionally from another local address): API
 * client (closed when the test ends), session manager on the shared keychain, and QR flows.
 */
function desktopOn(t: TestContext, localAddress?: string) {
  const api = createApiClient({ serverUrl: server.url, localAddress });
  t.onTestFinished(() => api.close());
  const session = createSessionManager({ api, vault });
  const qrLogin = (purpose?: QrPurpose) =>
    createQrLogin({ serverUrl: server.url, api, session, device, localAddress, purpose });
  return { api, session, qrLogin };
}

afterAll(async () => {
  await phone?.close();
  await browser?.close();
  await server?.close();
  for (const c of await keytar.findCredentials(service))
    await keytar.deletePassword(service, c.account);
});

test('QR sign-in: phone approves -> signed in, refresh token in the keychain, phone shows success', async (t) => {
  const { qrLogin } = desktopOn(t);
  const flow = qrLogin();
  const path = recordStates(flow);

  const { link } = await waitForState(flow, 'waiting-for-scan');
  const parsed = await parseQrLink(link);
  assert.equal(parsed.origin, server.phoneOrigin, 'the QR points the phone at the RP origin');
  // Scan by hand here to read what the phone shows before approving: who asks, from where.
  await phone.page.goto('about:blank');
  await phone.page.goto(link);
  assert.equal(await phone.page.getByTestId('pair-app').textContent(), 'Keybridge for Desktop');
  assert.equal(await phone.page.getByTestId('pair-device').textContent(), 'Test desktop (Linux)');
  assert.equal(await phone.page.getByTestId('pair-desktop-ip').textContent(), '127.0.0.1');
  assert.equal(await phone.page.getByTestId('network-warning').count(), 0, 'same network');
  await phone.page.getByRole('button', { name: 'Approve' }).click();
  const done = phone.page.getByTestId('pair-done');
  await done.waitFor();
  assert.match((await done.textContent()) ?? '', /signed in on your computer/);
  assert.match(
    (await phone.page.getByTestId('pair-account').textContent()) ?? '',
    new RegExp(`${email[0]}\\*\\*\\*@example\\.com`),
  );

  const final = await flow.finished;
  assert.equal(final.status, 'signed-in', JSON.stringify(final));
  assert.equal(final.status === 'signed-in' && final.user.email, email);
  assert.deepEqual(path, [
    'starting',
    'waiting-for-scan',
    'scanned',
    'waiting-for-approval',
    'verifying',
    'signed-in',
  ]);

  // The refresh token is in gnome-keyring under service = app id, account = origin + user id.
  const user = final.status === 'signed-in' ? final.user : null;
  const account = { serverOrigin: server.url, userId: user!.id };
  const stored = await keytar.getPassword(service, vaultAccountName(account));
  assert.match(stored ?? '', /^[A-Za-z0-9_-]{20,100}$/);
  assert.equal((await vault.getCurrentAccount())?.userId, user!.id);

  // Nothing secret reached the server's logs: not the QR secret, not the refresh token.
  const logs = server.logs();
  assert.ok(!logs.includes(parsed.secret), 'QR secret in server logs');
  assert.ok(!logs.includes(stored!), 'refresh token in server logs');

  // A fresh app launch restores the session from the keychain alone (and rotates the token).
  const api2 = createApiClient({ serverUrl: server.url });
  t.onTestFinished(() => api2.close());
  const relaunch = createSessionManager({ api: api2, vault });
  const restored = await relaunch.restore();
  assert.equal(restored?.email, email);
  const me = await relaunch.withAccess((token) => api2.me(token));
  assert.equal(me.session.method, 'qr');
  assert.notEqual(await keytar.getPassword(service, vaultAccountName(account)), stored, 'rotated');
});

test('adding a passkey from the desktop: step-up, "is this your phone?", the phone signed in to the same account makes it, the final state carries it', async (t) => {
  const { api, session, qrLogin } = desktopOn(t);
  const tokens = await api.passwordLogin({ email, password: PASSWORD, device });
  await session.adopt(tokens);
  await session.withAccess((token) => api.stepUp(token, { password: PASSWORD }));
  const before = (await session.withAccess((token) => api.passkeys(token))).passkeys.length;

  // A second phone (its own passkey provider), signed in to the same account, makes it.
  const phone2 = await createPhone({ phoneOrigin: server.phoneOrigin, browser });
  t.onTestFinished(() => phone2.close());
  await phone2.signIn(email, PASSWORD);
  const flow = qrLogin('add-passkey');
  const path = recordStates(flow);
  const { link } = await waitForState(flow, 'waiting-for-scan');
  const approving = scan(phone2, link);
  const confirm = await waitForState(flow, 'confirm-phone');
  assert.equal(confirm.phone.device, 'Chrome on Android', 'a name, not an IP or a raw UA');
  await flow.confirmPhone(true);
  const shown = await approving;
  assert.equal(shown.account, email, 'the server, not the desktop, names the account');

  const final = await flow.finished;
  assert.equal(final.status, 'passkey-added', JSON.stringify(final));
  assert.match((await phone2.page.getByTestId('pair-done').textContent()) ?? '', /Passkey added/);
  const list = (await session.withAccess((token) => api.passkeys(token))).passkeys;
  assert.equal(list.length, before + 1);
  const added = final.status === 'passkey-added' ? final.passkey : null;
  assert.ok(added, 'the result carries the new passkey');
  assert.equal(added.id, list[list.length - 1]!.id);
  assert.equal(added.name, list[list.length - 1]!.name);
  assert.equal((await phone2.authenticator.getCredentials()).length, 1, 'made on the phone');
  assert.ok(path.indexOf('confirm-phone') < path.indexOf('waiting-for-approval'), path.join(' > '));
  await session.signOut();
});

/** A signed-in, stepped-up desktop running an add-passkey QR; the phone scans it by hand. */
async function addPasskeyFlow(t: TestContext) {
  const { api, session, qrLogin } = desktopOn(t);
  await session.adopt(await api.passwordLogin({ email, password: PASSWORD, device }));
  t.onTestFinished(() => session.signOut());
  await session.withAccess((token) => api.stepUp(token, { password: PASSWORD }));
  const flow = qrLogin('add-passkey');
  const { link } = await waitForState(flow, 'waiting-for-scan');
  return { flow, link };
}

async function pairEnd(p: Phone) {
  const ended = p.page.getByTestId('pair-error');
  await ended.waitFor();
  return {
    reason: await ended.getAttribute('data-reason'),
    tone: await ended.getAttribute('data-tone'),
    role: await ended.getAttribute('role'),
    text: (await ended.textContent()) ?? '',
  };
}

test('add-passkey on a phone that already holds a passkey for the account: the phone says so, the desktop is told', async (t) => {
  const { flow, link } = await addPasskeyFlow(t);
  await phone.page.goto('about:blank');
  await phone.page.goto(link);
  await waitForState(flow, 'confirm-phone');
  await flow.confirmPhone(true);
  await phone.page.getByTestId('pair-account-email').waitFor();
  assert.equal(await phone.page.getByTestId('pair-account-email').textContent(), email);
  const before = (await phone.authenticator.getCredentials()).length;
  await phone.page.getByRole('button', { name: 'Approve' }).click();
  const end = await pairEnd(phone);
  assert.equal(end.reason, 'already-registered');
  // Not a failed sign-in: what happened and what to do, without a red alert.
  assert.equal(end.tone, 'neutral');
  assert.equal(end.role, 'status');
  assert.doesNotMatch(end.text, /didn't finish|failed|Try again/i);
  await assertAxeCleanBothThemes(phone.page, 'pair page: already has a passkey');
  assert.match(
    end.text,
    /This phone already has a passkey for this account\.\s*Use another phone or a security key\./,
  );
  const final = await flow.finished;
  assert.equal(
    final.status === 'failed' && final.reason,
    'already-registered',
    JSON.stringify(final),
  );
  assert.equal((await phone.authenticator.getCredentials()).length, before, 'nothing overwritten');
});

test('add-passkey scanned by a phone signed in to another account, or signed out: refused in plain words, nothing added', async (t) => {
  const stranger = await createPhone({ phoneOrigin: server.phoneOrigin, browser });
  t.onTestFinished(() => stranger.close());
  await stranger.signUp(`other-${randomBytes(3).toString('hex')}@example.com`, PASSWORD);
  const first = await addPasskeyFlow(t);
  await stranger.page.goto(first.link);
  await waitForState(first.flow, 'confirm-phone');
  await first.flow.confirmPhone(true);
  const wrong = await pairEnd(stranger);
  assert.equal(wrong.reason, 'wrong-account');
  assert.match(wrong.text, /signed in to a different account/);
  assert.equal(wrong.text.includes(email), false, 'the other account is not named');
  const f1 = await first.flow.finished;
  assert.equal(f1.status === 'failed' && f1.reason, 'wrong-account');

  const signedOut = await createPhone({ phoneOrigin: server.phoneOrigin, browser });
  t.onTestFinished(() => signedOut.close());
  const second = await addPasskeyFlow(t);
  await signedOut.page.goto(second.link);
  await waitForState(second.flow, 'confirm-phone');
  await second.flow.confirmPhone(true);
  const out = await pairEnd(signedOut);
  assert.equal(out.reason, 'signed-out');
  assert.match(
    out.text,
    /this phone must be signed in to your exchange account\. Sign in here, then scan the code on your computer again/,
  );
  assert.equal(await signedOut.page.getByTestId('pair-sign-in-link').getAttribute('href'), '/m/');
  assert.equal((await stranger.authenticator.getCredentials()).length, 0);
  assert.equal((await signedOut.authenticator.getCredentials()).length, 0);
});

test('add-passkey without a fresh step-up is refused by the server', async (t) => {
  const { api, session, qrLogin } = desktopOn(t);
  await session.adopt(await api.passwordLogin({ email, password: PASSWORD, device }));
  t.onTestFinished(() => session.signOut());
  const flow = qrLogin('add-passkey');
  const final = await flow.finished;
  assert.equal(final.status, 'failed');
  assert.equal(final.status === 'failed' && final.reason, 'step-up-required');
});

test('different network (desktop on 127.0.0.2): code required, five wrong codes kill the attempt, the right code signs in', async (t) => {
  const { api, session, qrLogin } = desktopOn(t, '127.0.0.2');

  // 1. Without the code the server refuses; four wrong codes count down; the fifth kills it.
  const flow = qrLogin();
  const { link } = await waitForState(flow, 'waiting-for-scan');
  const [{ reverseCode }, scanned] = await Promise.all([
    scan(phone, link, { expectCode: true }),
    waitForState(flow, 'scanned'),
  ]);
  assert.equal(scanned.sameNetwork, false);
  assert.match(reverseCode ?? '', /^\d{6}$/);
  // The desktop redeemed the assertion without a code: the server refused it
  // (reverse_code_required), so nothing is signed in yet and the code is asked for.
  const asked = await waitForState(flow, 'needs-code');
  assert.equal(asked.triesLeft, undefined, 'asked before any try');
  assert.equal(session.snapshot().status, 'signed-out');
  for (let i = 1; i <= 4; i++) {
    const after = await flow.submitCode(wrongCode(reverseCode!));
    assert.equal(after.status, 'needs-code', `try ${i}`);
    assert.equal(after.status === 'needs-code' && after.triesLeft, 5 - i);
  }
  const dead = await flow.submitCode(wrongCode(reverseCode!));
  assert.equal(dead.status, 'failed');
  assert.equal(dead.status === 'failed' && dead.reason, 'attempt-dead');
  await phone.page.getByTestId('pair-error').waitFor(); // the phone is told it failed
  // Even the right code cannot revive a dead attempt.
  assert.equal((await flow.submitCode(reverseCode!)).status, 'failed');
  assert.equal(session.snapshot().status, 'signed-out');

  // 2. A new QR, the right code: signed in.
  const flow2 = qrLogin();
  const second = await waitForState(flow2, 'waiting-for-scan');
  const { reverseCode: code2 } = await scan(phone, second.link, { expectCode: true });
  await waitForState(flow2, 'needs-code');
  const signedIn = await flow2.submitCode(code2!);
  assert.equal(signedIn.status, 'signed-in', JSON.stringify(signedIn));
  await phone.page.getByTestId('pair-done').waitFor();
  const sessions = await session.withAccess((token) => api.sessions(token));
  assert.equal(sessions.sessions.find((s) => s.current)?.ip, '127.0.0.2');
  await session.signOut();
});

test('same network (desktop on 127.0.0.1): no code is asked', async (t) => {
  const { session, qrLogin } = desktopOn(t, '127.0.0.1');
  const flow = qrLogin();
  const path = recordStates(flow);
  const { link } = await waitForState(flow, 'waiting-for-scan');
  const { reverseCode } = await scan(phone, link);
  assert.equal(reverseCode, undefined);
  const final = await flow.finished;
  assert.equal(final.status, 'signed-in');
  assert.ok(!path.includes('needs-code'), path.join(' > '));
  await session.signOut();
});

test('deny on the phone -> failed (denied); cancel on the desktop -> cancelled', async () => {
  const flow = createQrLogin({ serverUrl: server.url, vault, device });
  const { link } = await waitForState(flow, 'waiting-for-scan');
  await phone.page.goto('about:blank');
  await phone.denyPairing(link);
  const final = await flow.finished;
  assert.equal(final.status === 'failed' && final.reason, 'denied', JSON.stringify(final));

  const flow2 = createQrLogin({ serverUrl: server.url, vault, device });
  await waitForState(flow2, 'waiting-for-scan');
  await flow2.cancel();
  assert.equal((await flow2.finished).status, 'cancelled');
});
