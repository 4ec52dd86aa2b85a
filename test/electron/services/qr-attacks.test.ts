/**
 * The QR binding attacks (approve at the server, redeem at the desktop; server/passkeys/
 * login-routes.ts and register-routes.ts) with real parts: the real server and relay, the
 * desktop's QrLogin in Node (its sockets bound to 127.0.0.x to stand in for networks), phones
 * played by the soft phone (test/electron/services/support/soft-phone.ts) with the soft
 * authenticator, real SQLite. Each attack is followed by the honest path getting through.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test, type TestContext } from 'vitest';
import { createApiClient, type ApiClient } from '../../../electron/services/api-client';
import {
  createQrLogin,
  type QrLoginState,
  type QrPurpose,
} from '../../../electron/services/qr-login';
import type { MeResponse, PasskeyListResponse } from '../../../server/protocol/api';
import { parseQrLink } from '../../../server/protocol/qr-link';
import { PHONE_USER_AGENT } from '../../support/phone';
import { SoftAuthenticator } from '../../support/soft-authenticator';
import { call, PASSWORD, signUp } from '../../support/http';
import {
  startTunnelServer,
  type TunnelTestServer,
} from '../../server/tunnel/support/tunnel-server';
import { waitForState, wrongCode } from './support/flow';
import { softApprove } from './support/soft-phone';

let srv: TunnelTestServer;
beforeAll(async () => {
  srv = await startTunnelServer();
});
afterAll(() => srv.close());

type Account = {
  email: string;
  cookie: string;
  auth: SoftAuthenticator;
  userId: string;
  webauthnUserId: string;
  credentialIds: string[];
};

let n = 0;
/** An account with one passkey made on its own phone (the soft authenticator). */
async function account(name: string): Promise<Account> {
  const email = `${name}-${++n}@example.com`;
  const cookie = await signUp(srv.url, email);
  const auth = new SoftAuthenticator(srv.phoneOrigin);
  const o = await call<{ attemptId: string; options: never }>(srv.url, '/api/passkeys/options', {
    cookie,
    body: {},
  });
  const v = await call(srv.url, '/api/passkeys/verify', {
    cookie,
    body: { attemptId: o.body.attemptId, response: auth.register(o.body.options) },
  });
  assert.equal(v.status, 201, JSON.stringify(v.body));
  const me = (await call<MeResponse>(srv.url, '/api/me', { cookie })).body;
  return {
    email,
    cookie,
    auth,
    userId: me.user.id,
    webauthnUserId: me.webauthnUserId,
    credentialIds: auth.credentials.map((c) => c.id.toString('base64url')),
  };
}

async function passkeysOf(a: Account) {
  return (await call<PasskeyListResponse>(srv.url, '/api/passkeys', { cookie: a.cookie })).body
    .passkeys;
}

/** Every answer and refusal the desktop's API client saw, as JSON, for "learned nothing". */
function recording(api: ApiClient): { api: ApiClient; seen: string[] } {
  const seen: string[] = [];
  const wrapped = new Proxy(api, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        try {
          const r = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          seen.push(JSON.stringify(r ?? null));
          return r;
        } catch (e) {
          seen.push(JSON.stringify({ error: String(e), ...(e as object) }));
          throw e;
        }
      };
    },
  });
  return { api: wrapped, seen };
}

/**
 * A desktop's QR flow from `localAddress`. Sign-in needs no account; add-passkey runs for
 * `owner`'s desktop session, stepped up with the password; step-up for `owner`'s session
 * not yet confirmed (the flow is what confirms it).
 */
async function desktop(
  t: TestContext,
  opts: { purpose: QrPurpose; localAddress: string; owner?: Account },
) {
  const raw = createApiClient({ serverUrl: srv.url, localAddress: opts.localAddress });
  t.onTestFinished(() => raw.close());
  const { api, seen } = recording(raw);
  let accessToken = '';
  if (opts.owner) {
    const tokens = await raw.passwordLogin({ email: opts.owner.email, password: PASSWORD });
    accessToken = tokens.accessToken;
    if (opts.purpose !== 'step-up') await raw.stepUp(accessToken, { password: PASSWORD });
  }
  const states: QrLoginState[] = [];
  const flow = createQrLogin({
    serverUrl: srv.url,
    api,
    localAddress: opts.localAddress,
    purpose: opts.purpose,
    device: { name: 'desk', platform: 'Linux' },
    adopt: async () => undefined,
    withAccess: (fn) => fn(accessToken),
    onState: (s) => states.push(s),
  });
  t.onTestFinished(() => flow.cancel());
  const { link } = await waitForState(flow, 'waiting-for-scan');
  const pairingId = (await parseQrLink(link)).pairingId;
  const elevatedUntil = async () => (await raw.me(accessToken)).elevatedUntil;
  return { flow, link, pairingId, states, seen, elevatedUntil };
}

/** Relay events of one pairing, by who sent or received them. */
function relayEvents(pairingId: string) {
  const desktopSocket = srv.observed.find(
    (o) =>
      o.event === 'pair:create:ack' &&
      (o.payload as { pairingId?: string }).pairingId === pairingId,
  )?.socketId;
  const ofPairing = srv.observed.filter(
    (o) => JSON.stringify(o.payload ?? null).includes(pairingId) || o.socketId === desktopSocket,
  );
  return {
    desktopSocket,
    toOrFromDesktop: ofPairing.filter((o) => o.socketId === desktopSocket),
    fromDesktopMsgs: ofPairing.filter(
      (o) => o.socketId === desktopSocket && o.direction === 'in' && o.event === 'pair:msg',
    ),
    toDesktopMsgs: ofPairing.filter(
      (o) => o.socketId === desktopSocket && o.direction === 'out' && o.event === 'pair:msg',
    ),
  };
}

/** Waits for a condition the test cannot subscribe to (relay observations), without sleeps. */
async function until(what: string, cond: () => boolean, timeoutMs = 10_000) {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((r) => setImmediate(r));
  }
}

// ------------------------------------------------------------------ add-passkey attacks

test('attack: a stranger phone on another network scans the add-passkey QR; nothing is asked of it before the person says yes, and no passkey lands on the account', async (t) => {
  const victim = await account('victim');
  const attacker = await account('attacker');
  const before = await passkeysOf(victim);

  // 1. The person says "No, that is not my phone": the pairing ends, the phone got nothing.
  const d1 = await desktop(t, { purpose: 'add-passkey', localAddress: '127.0.0.1', owner: victim });
  const p1 = softApprove({
    link: d1.link,
    serverUrl: srv.url,
    authenticator: attacker.auth,
    cookie: attacker.cookie,
    localAddress: '127.0.0.2',
    userAgent: PHONE_USER_AGENT,
  }).catch((e: Error) => e.message);
  const confirm = await waitForState(d1.flow, 'confirm-phone');
  assert.deepEqual(confirm.phone, { device: 'Chrome on Android' }, 'a name only, no IP or UA');
  await until(
    'the phone hello reached the desktop',
    () => relayEvents(d1.pairingId).toDesktopMsgs.length > 0,
  );
  assert.equal(relayEvents(d1.pairingId).fromDesktopMsgs.length, 0, 'no request before yes');
  await d1.flow.confirmPhone(false);
  assert.equal((await d1.flow.finished).status, 'cancelled');
  assert.equal(await p1, 'pairing closed: cancelled');
  assert.equal(relayEvents(d1.pairingId).fromDesktopMsgs.length, 0, 'never any request');

  // 2. The person wrongly says yes to a phone signed in to another account: the server, not
  //    the desktop, builds the options, and refuses this phone.
  const d2 = await desktop(t, { purpose: 'add-passkey', localAddress: '127.0.0.1', owner: victim });
  const p2 = softApprove({
    link: d2.link,
    serverUrl: srv.url,
    authenticator: attacker.auth,
    cookie: attacker.cookie,
    localAddress: '127.0.0.2',
  });
  await waitForState(d2.flow, 'confirm-phone');
  await d2.flow.confirmPhone(true);
  const r2 = await p2;
  assert.match(r2.reverseCode ?? '', /^\d{6}$/, 'across networks a code would be demanded');
  assert.deepEqual(r2.refused, {
    status: 403,
    code: 'wrong_account',
    path: '/api/passkeys/pairing/options',
  });
  const f2 = await d2.flow.finished;
  assert.equal(f2.status === 'failed' && f2.reason, 'wrong-account', JSON.stringify(f2));

  // 3. A phone not signed in at all: refused too (401).
  const d3 = await desktop(t, { purpose: 'add-passkey', localAddress: '127.0.0.1', owner: victim });
  const p3 = softApprove({
    link: d3.link,
    serverUrl: srv.url,
    authenticator: new SoftAuthenticator(srv.phoneOrigin),
    localAddress: '127.0.0.2',
  });
  await waitForState(d3.flow, 'confirm-phone');
  await d3.flow.confirmPhone(true);
  assert.equal((await p3).refused?.status, 401);
  assert.equal(((await d3.flow.finished) as { reason?: string }).reason, 'wrong-account');

  assert.deepEqual(await passkeysOf(victim), before, 'no passkey landed on the victim account');
  assert.equal(attacker.auth.credentials.length, 1, 'the attacker phone made nothing');

  // Honest: the owner's own second phone, signed in to the same account, on another network:
  // confirmed, the code typed on the desktop, the passkey added and carried in the result.
  const d4 = await desktop(t, { purpose: 'add-passkey', localAddress: '127.0.0.1', owner: victim });
  const ownPhone = new SoftAuthenticator(srv.phoneOrigin);
  let shownOnPhone = '';
  const p4 = softApprove({
    link: d4.link,
    serverUrl: srv.url,
    authenticator: ownPhone,
    cookie: victim.cookie,
    localAddress: '127.0.0.2',
    onJoined: (ack) => (shownOnPhone = ack.reverseCode ?? ''),
  });
  await waitForState(d4.flow, 'confirm-phone');
  await d4.flow.confirmPhone(true);
  const asked = await waitForState(d4.flow, 'needs-code');
  assert.equal(asked.triesLeft, undefined, 'redeem without the code was refused');
  assert.match(shownOnPhone, /^\d{6}$/);
  const added = await d4.flow.submitCode(shownOnPhone);
  assert.equal(added.status, 'passkey-added', JSON.stringify(added));
  const r4 = await p4;
  assert.equal(r4.account, victim.email, 'the server named the account to the phone');
  assert.equal(r4.done?.ok, true);
  const list = await passkeysOf(victim);
  assert.equal(list.length, before.length + 1);
  const passkey = added.status === 'passkey-added' ? added.passkey : null;
  assert.ok(passkey);
  assert.equal(passkey.id, list[list.length - 1]!.id);
  assert.equal(passkey.name, 'Passkey', 'named by the server (no AAGUID, no UA here)');
  assert.equal(passkey.credentialId, ownPhone.credentials[0]!.id.toString('base64url'));
});

test("attack: the victim's phone, signed in to the victim, scans an attacker desktop's add-passkey QR: refused, nothing changes on the phone or the server", async (t) => {
  const victim = await account('victim');
  const attacker = await account('attacker');
  const victimBefore = await passkeysOf(victim);
  const attackerBefore = await passkeysOf(attacker);
  const d = await desktop(t, {
    purpose: 'add-passkey',
    localAddress: '127.0.0.2',
    owner: attacker,
  });
  const phone = softApprove({
    link: d.link,
    serverUrl: srv.url,
    authenticator: victim.auth,
    signIn: { email: victim.email, password: PASSWORD }, // a fresh web session on the phone
    userAgent: PHONE_USER_AGENT,
  });
  await waitForState(d.flow, 'confirm-phone');
  await d.flow.confirmPhone(true); // the attacker happily confirms
  const r = await phone;
  assert.equal(r.refused?.code, 'wrong_account');
  assert.equal(r.refused?.status, 403);
  assert.equal(r.account, undefined, 'the phone was not told which account asked');
  const f = await d.flow.finished;
  assert.equal(f.status === 'failed' && f.reason, 'wrong-account');
  assert.equal(victim.auth.credentials.length, 1, 'the victim phone made (overwrote) nothing');
  assert.deepEqual(await passkeysOf(victim), victimBefore);
  assert.deepEqual(await passkeysOf(attacker), attackerBefore);
  // The victim's passkey still signs the victim in (honest path, same network, no code).
  const own = await desktop(t, { purpose: 'sign-in', localAddress: '127.0.0.1' });
  const ok = softApprove({ link: own.link, serverUrl: srv.url, authenticator: victim.auth });
  const signedIn = await own.flow.finished;
  assert.equal(signedIn.status === 'signed-in' && signedIn.user.id, victim.userId);
  assert.equal((await ok).reverseCode, undefined);
});

// ------------------------------------------------------------------ sign-in attack

test("attack: the victim approves an attacker desktop's sign-in QR from another network; with no code or wrong codes the attacker learns nothing about the account", async (t) => {
  const victim = await account('victim');
  const d = await desktop(t, { purpose: 'sign-in', localAddress: '127.0.0.2' });
  let code = '';
  const phone = softApprove({
    link: d.link,
    serverUrl: srv.url,
    authenticator: victim.auth,
    userAgent: PHONE_USER_AGENT,
    onJoined: (ack) => (code = ack.reverseCode ?? ''),
  });
  // The desktop redeemed without a code: refused, it waits for one.
  await waitForState(d.flow, 'needs-code');
  assert.match(code, /^\d{6}$/);
  for (let i = 1; i <= 4; i++) {
    const s = await d.flow.submitCode(wrongCode(code));
    assert.equal(s.status === 'needs-code' && s.triesLeft, 5 - i);
  }
  const dead = await d.flow.submitCode(wrongCode(code));
  assert.equal(dead.status === 'failed' && dead.reason, 'attempt-dead');
  const r = await phone;
  assert.equal(r.done?.ok, false, 'the phone is told it failed');
  assert.match(r.accountHint ?? '', /^v\*\*\*@example\.com$/, 'only the phone saw the hint');

  // What the attacker desktop got: API answers and refusals, relay events (joined, frames),
  // its own states, and what the phone put in the channel (hello, approved only).
  assert.deepEqual(
    r.sent.map((m) => m.type),
    ['hello', 'approved'],
    'no assertion crossed the tunnel',
  );
  const desktopSaw = JSON.stringify({
    api: d.seen,
    relay: relayEvents(d.pairingId).toOrFromDesktop.filter((o) => o.direction === 'out'),
    states: d.states,
    channel: r.sent,
  });
  const secrets = {
    email: victim.email,
    'email local part': victim.email.split('@')[0]!,
    'user id': victim.userId,
    'user handle': victim.webauthnUserId,
    'credential id': victim.credentialIds[0]!,
  };
  assert.ok(
    d.seen.some((s) => s.includes('reverse_code_invalid')),
    'the recording works',
  );
  for (const [name, value] of Object.entries(secrets)) {
    assert.ok(value.length >= 8, name);
    assert.equal(desktopSaw.includes(value), false, `the attacker desktop learned the ${name}`);
  }
});

// ------------------------------------------------------------------ honest sign-in

test('honest: same network signs in with no code; another network with the right code', async (t) => {
  const owner = await account('owner');
  const same = await desktop(t, { purpose: 'sign-in', localAddress: '127.0.0.1' });
  const p1 = softApprove({ link: same.link, serverUrl: srv.url, authenticator: owner.auth });
  const f1 = await same.flow.finished;
  assert.equal(f1.status === 'signed-in' && f1.user.email, owner.email);
  assert.ok(!same.states.some((s) => s.status === 'needs-code'));
  assert.equal((await p1).done?.ok, true);

  const other = await desktop(t, { purpose: 'sign-in', localAddress: '127.0.0.2' });
  let code = '';
  const p2 = softApprove({
    link: other.link,
    serverUrl: srv.url,
    authenticator: owner.auth,
    onJoined: (ack) => (code = ack.reverseCode ?? ''),
  });
  await waitForState(other.flow, 'needs-code');
  const s = await other.flow.submitCode(code);
  assert.equal(s.status === 'signed-in' && s.user.email, owner.email, JSON.stringify(s));
  assert.equal((await p2).done?.ok, true);
});

// ------------------------------------------------------------------ step-up attacks

test("attack: an attacker desktop holding the victim's session shows a step-up QR; the victim approves from another network, and without the code the session stays unconfirmed", async (t) => {
  const victim = await account('victim');
  const d = await desktop(t, { purpose: 'step-up', localAddress: '127.0.0.2', owner: victim });
  let code = '';
  const phone = softApprove({
    link: d.link,
    serverUrl: srv.url,
    authenticator: victim.auth,
    userAgent: PHONE_USER_AGENT,
    onJoined: (ack) => (code = ack.reverseCode ?? ''),
  });
  await waitForState(d.flow, 'needs-code');
  assert.match(code, /^\d{6}$/, 'the code is shown on the phone only');
  assert.equal(await d.elevatedUntil(), null, 'approved on the phone, still not confirmed');
  for (let i = 1; i <= 4; i++) {
    const s = await d.flow.submitCode(wrongCode(code));
    assert.equal(s.status === 'needs-code' && s.triesLeft, 5 - i);
  }
  const dead = await d.flow.submitCode(wrongCode(code));
  assert.equal(dead.status === 'failed' && dead.reason, 'attempt-dead');
  assert.equal((await phone).done?.ok, false, 'the phone is told it failed');
  assert.equal(await d.elevatedUntil(), null, 'five wrong codes: never confirmed');
  assert.deepEqual(
    (await phone).sent.map((m) => m.type),
    ['hello', 'approved'],
    'no assertion crossed the tunnel',
  );

  // Honest: the owner's own desktop on the phone's network needs no code; across networks the
  // right code confirms it.
  const same = await desktop(t, { purpose: 'step-up', localAddress: '127.0.0.1', owner: victim });
  const p1 = softApprove({ link: same.link, serverUrl: srv.url, authenticator: victim.auth });
  const f1 = await same.flow.finished;
  assert.equal(f1.status, 'stepped-up', JSON.stringify(f1));
  assert.ok(!same.states.some((s) => s.status === 'needs-code'));
  assert.equal((await p1).done?.ok, true);
  assert.ok(await same.elevatedUntil());

  const other = await desktop(t, { purpose: 'step-up', localAddress: '127.0.0.2', owner: victim });
  let code2 = '';
  const p2 = softApprove({
    link: other.link,
    serverUrl: srv.url,
    authenticator: victim.auth,
    onJoined: (ack) => (code2 = ack.reverseCode ?? ''),
  });
  await waitForState(other.flow, 'needs-code');
  const s2 = await other.flow.submitCode(code2);
  assert.equal(s2.status, 'stepped-up', JSON.stringify(s2));
  assert.equal((await p2).done?.ok, true);
  assert.ok(await other.elevatedUntil());
});

test("attack: a stranger's phone scans the victim's step-up QR and signs with its own passkey: refused, the desktop says so, nothing is confirmed", async (t) => {
  const victim = await account('victim');
  const stranger = await account('stranger');
  const d = await desktop(t, { purpose: 'step-up', localAddress: '127.0.0.1', owner: victim });
  const r = await softApprove({
    link: d.link,
    serverUrl: srv.url,
    authenticator: stranger.auth,
  });
  assert.deepEqual(r.refused, {
    status: 403,
    code: 'wrong_account',
    path: '/api/step-up/passkey/approve',
  });
  const f = await d.flow.finished;
  assert.equal(f.status === 'failed' && f.reason, 'wrong-account', JSON.stringify(f));
  assert.match(f.status === 'failed' ? f.message : '', /different account/);
  assert.equal(await d.elevatedUntil(), null);
});
