/**
 * The handler map against the real thing: the server (SQLite in a temp dir, relay), the real
 * API client, session manager, QR login and the OS keychain (gnome-keyring via keytar). The
 * phone half is the pair-page protocol driven from Node with a software authenticator
 * (test/electron/services/support/soft-phone.ts), since this test is about the main process, not the phone UI.
 *
 * Every response and every event the renderer would receive is kept and scanned for every
 * token the server handed out (watched at the API client), the QR link's secret and the TOTP
 * codes: none may appear. Calls go through `dispatch`, exactly as ipc-main runs them.
 */
import type * as Keytar from 'keytar';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, test } from 'vitest';
import { TOTP } from 'otpauth';
import type {
  EventChannel,
  InvokeChannel,
  IpcResult,
  QrView,
  SessionState,
} from '../../../electron/ipc/contract';
import { dispatch } from '../../../electron/ipc/dispatch';
import { createHandlerMap, type ShellCore } from '../../../electron/ipc/handlers';
import { createApiClient, type ApiClient } from '../../../electron/services/api-client';
import { createQrLogin } from '../../../electron/services/qr-login';
import { createSessionManager } from '../../../electron/services/session';
import { createKeytarVault, VAULT_SERVICE } from '../../../electron/services/token-vault';
import { parseQrLink } from '../../../server/protocol/qr-link';
import type { RegistrationOptionsJSON } from '../../../server/protocol/api';
import { softApprove } from '../services/support/soft-phone';
import { call, signUp } from '../../support/http';
import { startTestServer, type TestServer } from '../../support/server';
import { PHONE_USER_AGENT } from '../../support/phone';
import { SoftAuthenticator } from '../../support/soft-authenticator';

const PASSWORD = 'shell handler test pw 1';
const keytar = createRequire(import.meta.url)('keytar') as typeof Keytar;
const service = `${VAULT_SERVICE}.test-shell-${randomBytes(4).toString('hex')}`;
const vault = createKeytarVault({ service });

/** Everything secret the test saw go by; none may reach the renderer. */
const secrets = new Set<string>();
/** Everything the renderer would have received. */
const toRenderer: unknown[] = [];

let server: TestServer;
let plainApi: ApiClient;
let email: string;
let authenticator: SoftAuthenticator;

/** The real API client, with the token-bearing answers noted on their way past. */
function watchedApi(): ApiClient {
  const api = createApiClient({ serverUrl: server.url });
  const note = <T extends { accessToken: string; refreshToken: string }>(t: T) => {
    secrets.add(t.accessToken);
    secrets.add(t.refreshToken);
    return t;
  };
  return {
    ...api,
    passwordLogin: async (b) => note(await api.passwordLogin(b)),
    passkeyLoginRedeem: async (b) => note(await api.passkeyLoginRedeem(b)),
    refresh: async (r) => note(await api.refresh(r)),
  };
}

type Harness = {
  core: ShellCore;
  events: { channel: EventChannel; payload: unknown }[];
  clipboard: () => string | null;
  /** The newest QR link, read from the QR flow itself (the test plays the phone's camera). */
  lastLink: () => string | null;
  call<C extends InvokeChannel>(channel: C, args?: unknown): Promise<IpcResult<unknown>>;
  waitForEvent(channel: EventChannel, pred: (p: unknown) => boolean): Promise<unknown>;
  close(): void;
};

function harness(): Harness {
  const api = watchedApi();
  const session = createSessionManager({ api, vault });
  const events: { channel: EventChannel; payload: unknown }[] = [];
  const waiters: {
    channel: EventChannel;
    pred: (p: unknown) => boolean;
    resolve: (p: unknown) => void;
  }[] = [];
  let clipboard: string | null = null;
  let lastLink: string | null = null;
  const core = createHandlerMap({
    api,
    vault,
    session,
    qrLogins: ({ purpose }) => {
      const login = createQrLogin({ serverUrl: server.url, api, session, purpose });
      login.subscribe((state) => {
        if (state.status === 'waiting-for-scan') lastLink = state.link;
      });
      return login;
    },
    clipboard: { writeText: async (t) => void (clipboard = t) },
    openInBrowser: async () => undefined,
    externalOrigins: ['https://keybridge.localhost'],
    device: { name: 'shell-test', platform: 'Linux' },
    app: { version: '0.0.0-test', mode: 'browser', platform: 'linux' },
    emit: (channel, payload) => {
      events.push({ channel, payload });
      toRenderer.push(payload);
      for (const w of [...waiters]) {
        if (w.channel === channel && w.pred(payload)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(payload);
        }
      }
    },
  });
  return {
    core,
    events,
    clipboard: () => clipboard,
    lastLink: () => lastLink,
    async call(channel, args) {
      const result = await dispatch(core.handlers, channel, args === undefined ? [] : [args], {
        senderId: 1,
      });
      toRenderer.push(result);
      return result;
    },
    waitForEvent(channel, pred) {
      const seen = events.find((e) => e.channel === channel && pred(e.payload));
      if (seen) return Promise.resolve(seen.payload);
      return new Promise((resolve) => waiters.push({ channel, pred, resolve }));
    },
    close() {
      core.dispose();
      api.close();
    },
  };
}

const ok = <T>(r: IpcResult<unknown>): T => {
  assert.equal(r.ok, true, JSON.stringify(r));
  return (r as { value: T }).value;
};

beforeAll(async () => {
  server = await startTestServer({ logLevel: 'warn' });
  plainApi = createApiClient({ serverUrl: server.url });
  email = `shell-${randomBytes(3).toString('hex')}@example.com`;
  await plainApi.signUp(email, PASSWORD);
  // A passkey for the QR sign-in, registered through the real API (as the phone app would).
  const t = await plainApi.passwordLogin({ email, password: PASSWORD });
  secrets.add(t.accessToken).add(t.refreshToken);
  await plainApi.stepUp(t.accessToken, { password: PASSWORD });
  // The phone's own Security page routes (no pairing); the desktop client has no such call.
  const o = await call<{ attemptId: string; options: RegistrationOptionsJSON }>(
    server.url,
    '/api/passkeys/options',
    { token: t.accessToken, body: {} },
  );
  assert.equal(o.status, 200, JSON.stringify(o.body));
  const { phoneOrigin } = await plainApi.config();
  authenticator = new SoftAuthenticator(phoneOrigin);
  const r = await call(server.url, '/api/passkeys/verify', {
    token: t.accessToken,
    body: { attemptId: o.body.attemptId, response: authenticator.register(o.body.options) },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  // This password session stays open: it is the "other session" revoked below.
});

afterAll(async () => {
  plainApi?.close();
  await server?.close();
  for (const c of await keytar.findCredentials(service))
    await keytar.deletePassword(service, c.account);
});

test('signed out: calls that need a session say so; bad arguments are refused, not crashed on', async (t) => {
  const h = harness();
  t.onTestFinished(() => h.close());
  assert.deepEqual(ok<SessionState>(await h.call('session:restore')), {
    status: 'signed-out',
    reason: 'none',
    message: null,
  });
  const me = await h.call('account:me');
  assert.equal(!me.ok && me.error.code, 'not_signed_in');
  const bad = await h.call('auth:password', { email, password: PASSWORD, admin: true });
  assert.equal(!bad.ok && bad.error.code, 'invalid_arguments');
  const wrong = await h.call('auth:password', { email, password: 'not the password' });
  assert.equal(!wrong.ok && wrong.error.code, 'invalid_credentials');
  const code = await h.call('qr:submitCode', { code: '123456' });
  assert.equal(!code.ok && code.error.code, 'qr_not_active');
  const ext = await h.call('shell:openExternal', { url: 'file:///etc/passwd' });
  assert.equal(!ext.ok && ext.error.code, 'url_not_allowed');
});

test('QR sign-in, every Settings call, restart from the keychain, sign out: no token ever reaches the renderer', async (t) => {
  const h = harness();
  t.onTestFinished(() => h.close());

  // --- QR sign-in: the renderer gets an image; the link (with its secret) only via the clipboard.
  const started = ok<QrView>(await h.call('qr:start'));
  assert.ok(['starting', 'waiting-for-scan'].includes(started.status));
  const showing = (await h.waitForEvent(
    'qr:state',
    (p) => (p as QrView).status === 'waiting-for-scan',
  )) as QrView;
  assert.ok(
    showing.status === 'waiting-for-scan' &&
      showing.qrImage.startsWith('data:image/svg+xml;base64,'),
  );
  ok(await h.call('qr:copyLink'));
  const link = h.clipboard();
  assert.ok(link, 'copyQrLink put the link on the clipboard');
  const parsed = await parseQrLink(link);
  secrets.add(parsed.secret);
  secrets.add(link.split('#')[1]!);
  await softApprove({ link, serverUrl: server.url, authenticator });
  const signedIn = (await h.waitForEvent(
    'session:changed',
    (p) => (p as SessionState).status === 'signed-in' && (p as { method: unknown }).method !== null,
  )) as SessionState;
  assert.equal(signedIn.status === 'signed-in' && signedIn.user.email, email);
  assert.equal(ok<SessionState>(await h.call('session:get')).status, 'signed-in');
  assert.ok(await vault.getCurrentAccount(), 'the keychain remembers the account');

  // --- Everything the Settings pane does.
  assert.equal(ok<{ user: { email: string } }>(await h.call('account:me')).user.email, email);
  const { passkeys } = ok<{ passkeys: { id: string }[] }>(await h.call('passkeys:list'));
  assert.equal(passkeys.length, 1);
  ok(await h.call('passkeys:rename', { id: passkeys[0]!.id, name: 'Soft phone' }));
  ok(await h.call('auth:stepUp', { password: PASSWORD }));
  const setup = ok<{ manualKey: string; qrImage: string }>(await h.call('totp:setup'));
  const totp = new TOTP({ secret: setup.manualKey.replace(/ /g, '') });
  const code = totp.generate();
  secrets.add(code);
  const { recoveryCodes } = ok<{ recoveryCodes: string[] }>(await h.call('totp:confirm', { code }));
  assert.ok(recoveryCodes.length > 0, 'recovery codes are shown once');
  const { sessions } = ok<{ sessions: { current: boolean }[] }>(await h.call('sessions:list'));
  assert.ok(sessions.length >= 2);
  const { revoked } = ok<{ revoked: number }>(await h.call('sessions:revokeOthers'));
  assert.equal(revoked, sessions.length - 1);
  ok(await h.call('activity:list'));
  ok(await h.call('app:info'));
  assert.equal(ok<{ available: boolean }>(await h.call('keychain:status')).available, true);
  h.close();

  // --- Restart: a fresh main process signs in from the keychain by itself.
  const h2 = harness();
  t.onTestFinished(() => h2.close());
  const restored = await h2.core.start();
  assert.equal(restored.status === 'signed-in' && restored.user.email, email);
  ok(await h2.call('account:me'));

  // --- Sign out: the server session ends and the keychain forgets it.
  assert.deepEqual(ok<SessionState>(await h2.call('auth:signOut')), {
    status: 'signed-out',
    reason: 'signed-out',
    message: null,
  });
  assert.equal(await vault.getCurrentAccount(), null);
  assert.deepEqual(await keytar.findCredentials(service), []);

  // --- The scan: no secret in anything the renderer received.
  assert.ok(secrets.size >= 8, `the test saw the tokens it scans for (${secrets.size})`);
  const seen = JSON.stringify(toRenderer);
  assert.ok(seen.length > 2000, 'the renderer did receive plenty');
  for (const secret of secrets) {
    assert.equal(seen.includes(secret), false, 'a secret reached the renderer');
  }
  assert.doesNotMatch(seen, /accessToken|refreshToken|"link"|attemptId|challenge/);
});

test('the login screen cancels as a sign-in unmounts it: too late, the sign-in finishes and the phone hears done', async (t) => {
  // The renderer (renderer/src/login/useQrFlow.ts) cancels a flow that is not finished when
  // the QR screen goes away; a sign-in makes it go away as soon as the session turns
  // signed-in, while the flow is still telling the phone. That cancel must not win.
  const h = harness();
  t.onTestFinished(() => h.close());
  ok(await h.call('qr:start'));
  await h.waitForEvent('qr:state', isView('waiting-for-scan', 'sign-in'));
  const link = h.lastLink();
  assert.ok(link);
  secrets.add((await parseQrLink(link)).secret);
  let cancelAnswer: Promise<IpcResult<unknown>> | null = null;
  const unmounted = h
    .waitForEvent('session:changed', (p) => (p as SessionState).status === 'signed-in')
    .then(() => (cancelAnswer = h.call('qr:cancel')));
  await softApprove({ link, serverUrl: server.url, authenticator });
  await unmounted;
  assert.ok(cancelAnswer, 'the cancel was sent while the flow was finishing');
  const answer = ok<QrView>(await cancelAnswer);
  assert.notEqual(answer.status, 'cancelled');
  await h.waitForEvent('qr:state', isView('done', 'sign-in'));
  await h.waitForEvent(
    'session:changed',
    (p) => (p as SessionState).status === 'signed-in' && (p as { method: unknown }).method !== null,
  );
  assert.equal(
    h.events.some((e) => e.channel === 'qr:state' && (e.payload as QrView).status === 'cancelled'),
    false,
    'the renderer never heard "cancelled"',
  );
  ok(await h.call('auth:signOut'));
});

test('a session revoked elsewhere signs the app out with a reason, and the keychain forgets it', async (t) => {
  const h = harness();
  t.onTestFinished(() => h.close());
  // An account of its own (the one above has TOTP on by now).
  const email2 = `shell-revoked-${randomBytes(3).toString('hex')}@example.com`;
  await plainApi.signUp(email2, PASSWORD);
  const signedIn = ok<SessionState>(
    await h.call('auth:password', { email: email2, password: PASSWORD }),
  );
  assert.equal(signedIn.status, 'signed-in');
  const desktopSessionId = signedIn.status === 'signed-in' ? signedIn.sessionId : '';

  // Another device ends this desktop's session.
  const other = await plainApi.passwordLogin({ email: email2, password: PASSWORD });
  secrets.add(other.accessToken).add(other.refreshToken);
  await plainApi.revokeSession(other.accessToken, desktopSessionId);

  const me = await h.call('account:me');
  assert.equal(me.ok, false);
  const out = (await h.waitForEvent(
    'session:changed',
    (p) => (p as SessionState).status === 'signed-out',
  )) as SessionState;
  assert.deepEqual(out, {
    status: 'signed-out',
    reason: 'expired',
    message: 'Your session ended. Please sign in again.',
  });
  assert.equal(await vault.getCurrentAccount(), null, 'the keychain no longer restores it');
  assert.equal(JSON.stringify(toRenderer).includes(other.accessToken), false);
});

/** A signed-in, step-up-verified desktop for an account whose phone is signed in too. */
async function addPasskeyReady(h: Harness) {
  const owner = `shell-add-${randomBytes(3).toString('hex')}@example.com`;
  // Signing up on the phone's web app leaves the phone signed in (its own cookie session).
  const phoneCookie = await signUp(server.url, owner, PASSWORD);
  secrets.add(phoneCookie.split('=')[1]!);
  ok(await h.call('auth:password', { email: owner, password: PASSWORD }));
  ok(await h.call('auth:stepUp', { password: PASSWORD }));
  const { phoneOrigin } = await plainApi.config();
  return { owner, phoneCookie, phoneAuthenticator: new SoftAuthenticator(phoneOrigin) };
}

const isView =
  (status: QrView['status'], purpose: QrView['purpose'] = 'add-passkey') =>
  (p: unknown) =>
    (p as QrView).status === status && (p as QrView).purpose === purpose;

test('add-passkey: no Copy link, "Is this your phone?" names the phone, yes adds the passkey and the final view carries it', async (t) => {
  const h = harness();
  t.onTestFinished(() => h.close());
  const { owner, phoneCookie, phoneAuthenticator } = await addPasskeyReady(h);

  // Nothing to answer yet, and a sign-in flow never asks.
  const none = await h.call('qr:confirmPhone', { yes: true });
  assert.equal(!none.ok && none.error.code, 'qr_not_active');
  ok(await h.call('qr:start'));
  await h.waitForEvent('qr:state', isView('waiting-for-scan', 'sign-in'));
  const signInAsk = await h.call('qr:confirmPhone', { yes: true });
  assert.equal(!signInAsk.ok && signInAsk.error.code, 'qr_not_active');

  ok(await h.call('passkeys:addStart'));
  const showing = (await h.waitForEvent('qr:state', isView('waiting-for-scan'))) as QrView;
  assert.ok(
    showing.status === 'waiting-for-scan' && showing.canCopyLink === false,
    'no Copy link offered',
  );
  const copy = await h.call('qr:copyLink');
  assert.equal(!copy.ok && copy.error.code, 'qr_step_unavailable');
  assert.equal(h.clipboard(), null, 'the add-passkey link never reaches the clipboard');

  const link = h.lastLink();
  assert.ok(link);
  secrets.add((await parseQrLink(link)).secret);
  const phone = softApprove({
    link,
    serverUrl: server.url,
    authenticator: phoneAuthenticator,
    cookie: phoneCookie,
    userAgent: PHONE_USER_AGENT,
  });
  const confirm = await h.waitForEvent('qr:state', isView('confirm-phone'));
  assert.deepEqual(confirm, {
    status: 'confirm-phone',
    purpose: 'add-passkey',
    phone: { device: 'Chrome on Android' },
  });
  assert.equal(phoneAuthenticator.credentials.length, 0, 'the phone was not asked yet');
  const stillNoCopy = await h.call('qr:copyLink');
  assert.equal(!stillNoCopy.ok && stillNoCopy.error.code, 'qr_step_unavailable');
  const bad = await h.call('qr:confirmPhone', { yes: 'yes' });
  assert.equal(!bad.ok && bad.error.code, 'invalid_arguments');

  ok(await h.call('qr:confirmPhone', { yes: true }));
  const done = (await h.waitForEvent('qr:state', isView('done'))) as QrView;
  const seen = await phone;
  assert.equal(seen.account, owner, 'the server named the account to the phone');
  assert.equal(phoneAuthenticator.credentials.length, 1, 'the phone made the passkey');

  // Finding 5: the desktop's result is the passkey the server stored, not null.
  assert.ok(done.status === 'done' && done.passkey, JSON.stringify(done));
  const { passkeys } = ok<{ passkeys: { id: string; name: string }[] }>(
    await h.call('passkeys:list'),
  );
  const stored = passkeys.find((p) => p.id === done.passkey!.id);
  assert.ok(stored, 'the id is one the server lists');
  assert.equal(done.passkey.name, stored.name);
  assert.equal(passkeys.length, 1);

  const renderer = JSON.stringify(toRenderer);
  for (const secret of secrets) assert.equal(renderer.includes(secret), false, 'a secret leaked');
  // Of the phone, the QR views carry its readable name only (the sessions list, another
  // screen, does show addresses).
  const qrViews = JSON.stringify(h.events.filter((e) => e.channel === 'qr:state'));
  assert.doesNotMatch(qrViews, /Mozilla|Pixel 8|"userAgent"|"ip"|"link"|127\.0\.0\.1/);
});

test('step-up with the phone: signed in only, no Copy link, done carries the time; then the password changes without the current one', async (t) => {
  const h = harness();
  t.onTestFinished(() => h.close());
  const owner = `shell-stepup-${randomBytes(3).toString('hex')}@example.com`;
  const phoneCookie = await signUp(server.url, owner, PASSWORD);
  secrets.add(phoneCookie.split('=')[1]!);
  const { phoneOrigin } = await plainApi.config();
  const auth = new SoftAuthenticator(phoneOrigin);
  const o = await call<{ attemptId: string; options: RegistrationOptionsJSON }>(
    server.url,
    '/api/passkeys/options',
    { cookie: phoneCookie, body: {} },
  );
  const v = await call(server.url, '/api/passkeys/verify', {
    cookie: phoneCookie,
    body: { attemptId: o.body.attemptId, response: auth.register(o.body.options) },
  });
  assert.equal(v.status, 201, JSON.stringify(v.body));

  const signedOut = await h.call('auth:stepUpStart');
  assert.equal(!signedOut.ok && signedOut.error.code, 'not_signed_in');
  ok(await h.call('auth:password', { email: owner, password: PASSWORD }));
  ok(await h.call('auth:stepUpStart'));
  const showing = (await h.waitForEvent(
    'qr:state',
    isView('waiting-for-scan', 'step-up'),
  )) as QrView;
  assert.ok(showing.status === 'waiting-for-scan' && showing.canCopyLink === false);
  const copy = await h.call('qr:copyLink');
  assert.equal(!copy.ok && copy.error.code, 'qr_step_unavailable');
  assert.equal(h.clipboard(), null, 'the step-up link never reaches the clipboard');

  const link = h.lastLink();
  assert.ok(link);
  secrets.add((await parseQrLink(link)).secret);
  const phone = softApprove({ link, serverUrl: server.url, authenticator: auth });
  const done = (await h.waitForEvent('qr:state', isView('done', 'step-up'))) as QrView;
  assert.ok(done.status === 'done' && done.elevatedUntil, JSON.stringify(done));
  assert.equal((await phone).done?.ok, true);

  const changed = ok<{ signedOutSessions: number }>(
    await h.call('account:changePassword', { newPassword: 'shell step-up new password' }),
  );
  assert.equal(changed.signedOutSessions, 1, 'the phone web session was signed out');
  const renderer = JSON.stringify(toRenderer);
  for (const secret of secrets) assert.equal(renderer.includes(secret), false, 'a secret leaked');
});

test('add-passkey: "No, cancel" ends the flow; the phone is never asked and nothing is added', async (t) => {
  const h = harness();
  t.onTestFinished(() => h.close());
  const { phoneCookie, phoneAuthenticator } = await addPasskeyReady(h);
  ok(await h.call('passkeys:addStart'));
  await h.waitForEvent('qr:state', isView('waiting-for-scan'));
  const link = h.lastLink();
  assert.ok(link);
  secrets.add((await parseQrLink(link)).secret);
  const phone = softApprove({
    link,
    serverUrl: server.url,
    authenticator: phoneAuthenticator,
    cookie: phoneCookie,
  });
  await h.waitForEvent('qr:state', isView('confirm-phone'));

  const answer = ok<QrView>(await h.call('qr:confirmPhone', { yes: false }));
  assert.deepEqual(answer, { status: 'cancelled', purpose: 'add-passkey' });
  await h.waitForEvent('qr:state', isView('cancelled'));
  await assert.rejects(phone, /pairing closed: cancelled/, 'the phone is told it ended');
  assert.equal(phoneAuthenticator.credentials.length, 0, 'no passkey was made');
  const { passkeys } = ok<{ passkeys: unknown[] }>(await h.call('passkeys:list'));
  assert.equal(passkeys.length, 0, 'nothing was added');
  const late = await h.call('qr:confirmPhone', { yes: true });
  assert.equal(!late.ok && late.error.code, 'qr_not_active', 'a late yes does nothing');
});

test('change password: needs "Confirm it\'s you", refuses a weak one by code, signs the others out', async (t) => {
  const h = harness();
  t.onTestFinished(() => h.close());
  const owner = `shell-password-${randomBytes(3).toString('hex')}@example.com`;
  await plainApi.signUp(owner, PASSWORD); // the sign-up's web session is the "other" one
  ok(await h.call('auth:password', { email: owner, password: PASSWORD }));
  const next = 'shell handler new password 2';

  const early = await h.call('account:changePassword', {
    currentPassword: PASSWORD,
    newPassword: next,
  });
  assert.equal(!early.ok && early.error.code, 'step_up_required');
  ok(await h.call('auth:stepUp', { password: PASSWORD }));
  // No current password: only after a passkey confirmation (server/accounts/password-change-route.ts).
  const bad = await h.call('account:changePassword', { newPassword: next });
  assert.equal(!bad.ok && bad.error.code, 'current_password_required');
  const weak = await h.call('account:changePassword', {
    currentPassword: PASSWORD,
    newPassword: 'short',
  });
  assert.equal(!weak.ok && weak.error.code, 'weak_password');

  const done = ok<{ signedOutSessions: number }>(
    await h.call('account:changePassword', { currentPassword: PASSWORD, newPassword: next }),
  );
  assert.deepEqual(done, { signedOutSessions: 1 });
  ok(await h.call('account:me')); // this session goes on
  await assert.rejects(plainApi.passwordLogin({ email: owner, password: PASSWORD }));
  const again = await plainApi.passwordLogin({ email: owner, password: next });
  secrets.add(again.accessToken).add(again.refreshToken);
});
