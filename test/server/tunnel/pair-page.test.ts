/**
 * The phone approval page (/m/pair) in real Chromium with a virtual authenticator, against the
 * real server and relay, with a test desktop built on the shared protocol. Covers what the
 * phone shows, Approve/Deny, the reverse code across networks, every early-end message, and
 * the attacks: a tampered frame or a swapped challenge closes the pairing on both ends, and
 * the relay never sees the challenge, the assertion or the tokens.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import {
  fromBase64Url,
  generateDesktopKeys,
  generateQrSecret,
  toBase64Url,
} from '../../../server/protocol/channel';
import { buildQrLink } from '../../../server/protocol/qr-link';
import type { PhoneToDesktop } from '../../../server/protocol/tunnel';
import { launchChromium } from '../../support/chromium';
import { createPhone, type Phone } from '../../support/phone';
import { call } from '../../support/http';
import { DISPLAY, startDesktop, type DesktopDriver } from './support/desktop-driver';
import { startTunnelServer, type TunnelTestServer } from './support/tunnel-server';

const PAIR_HTML = path.resolve(import.meta.dirname, '../../../dist/phone/pair.html');
const PASSWORD = 'correct horse battery';

let srv: TunnelTestServer;
let browser: Browser;
let owner: Phone; // the phone that holds the account's passkey
const email = `pair-${Date.now()}@example.com`;

beforeAll(async () => {
  if (!fs.existsSync(PAIR_HTML)) {
    throw new Error(`${PAIR_HTML} is missing: run \`npm run build\` first (npm test does).`);
  }
  srv = await startTunnelServer();
  browser = await launchChromium();
  owner = await createPhone({ phoneOrigin: srv.phoneOrigin, browser });
  await owner.signUp(email, PASSWORD);
  await owner.enrolPasskey(PASSWORD);
});

afterAll(async () => {
  await owner?.close();
  await browser?.close();
  await srv?.close();
});

/** A desktop whose attempt is linked to its pairing, and which asks the phone to sign it. */
async function signInDesktop(opts: { localAddress?: string; linkVersion?: 1 | 2 } = {}) {
  let attemptId = '';
  let challenge = '';
  let optionsJson: Record<string, unknown> = {};
  const desktop = await startDesktop({
    url: srv.url,
    phoneOrigin: srv.phoneOrigin,
    localAddress: opts.localAddress,
    linkVersion: opts.linkVersion,
    linkOptions: async (pairingId) => {
      const r = await call(srv.url, '/api/auth/passkey/options', {
        body: { pairingId },
        localAddress: opts.localAddress,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      attemptId = r.body.attemptId as string;
      challenge = (r.body.options as { challenge: string }).challenge;
      optionsJson = r.body.options as Record<string, unknown>;
    },
    autoRequest: async () => ({ kind: 'get', options: optionsJson as { challenge: string } }),
  });
  return { desktop, attemptId: () => attemptId, challenge: () => challenge };
}

/**
 * The desktop's side after the phone said `approved`: redeem the attempt (its secret id, plus
 * the code across networks). The phone's assertion went to the server, not through here.
 */
async function redeem(
  desktop: DesktopDriver,
  attemptId: string,
  answer: PhoneToDesktop,
  code?: string,
  localAddress?: string,
) {
  assert.deepEqual(answer, { type: 'approved' });
  return call(srv.url, '/api/auth/passkey/redeem', {
    body: { attemptId, client: 'desktop', ...(code ? { reverseCode: code } : {}) },
    localAddress,
  });
}

/** The assertion the page posts to the server's approve route (read off the wire). */
function approvalPosted(page: Page): Promise<{ response: Record<string, string> }> {
  return new Promise((resolve) => {
    const onRequest = (req: { url(): string; postData(): string | null }) => {
      if (!req.url().endsWith('/api/auth/passkey/approve')) return;
      page.off('request', onRequest);
      resolve(JSON.parse(req.postData() ?? '{}').response);
    };
    page.on('request', onRequest);
  });
}

test('same network: the phone shows who asks, approves with its passkey, the desktop is signed in', async (t) => {
  const { desktop, attemptId, challenge } = await signInDesktop();
  t.onTestFinished(() => desktop.close());
  const page = owner.page;
  await page.goto(desktop.link);
  await page.getByTestId('pair-review').waitFor();
  // The fragment (QR secret) is gone from the address bar as soon as the page read it.
  assert.equal(new URL(page.url()).hash, '');
  assert.equal(new URL(page.url()).pathname, '/m/pair/');
  assert.equal(await page.getByTestId('pair-app').textContent(), DISPLAY.app);
  assert.equal(await page.getByTestId('pair-device').textContent(), DISPLAY.device);
  assert.equal(await page.getByTestId('pair-desktop-ip').textContent(), '127.0.0.1');
  assert.equal(await page.getByTestId('network-warning').count(), 0);
  assert.match(
    (await page.getByTestId('pair-safety').textContent()) ?? '',
    /only ever shows this QR code inside the Keybridge app/,
  );
  // Deny is as prominent as Approve: same size.
  const deny = await page.getByRole('button', { name: 'Deny' }).boundingBox();
  const approve = await page.getByRole('button', { name: 'Approve' }).boundingBox();
  assert.ok(deny && approve);
  assert.equal(Math.round(deny.width), Math.round(approve.width));
  assert.equal(Math.round(deny.height), Math.round(approve.height));

  const posted = approvalPosted(page);
  await page.getByRole('button', { name: 'Approve' }).click();
  const answer = await desktop.answer;
  const verified = await redeem(desktop, attemptId(), answer);
  assert.equal(verified.status, 200, JSON.stringify(verified.body));
  const tokens = verified.body as {
    accessToken: string;
    refreshToken: string;
    user: { email: string };
  };
  assert.equal(tokens.user.email, email);
  await desktop.send({ type: 'done', ok: true, accountHint: 'p***@example.com' });
  await desktop.complete();
  await page.getByTestId('pair-done').waitFor();
  assert.match(
    (await page.getByTestId('pair-done').textContent()) ?? '',
    /You're signed in on your computer/,
  );
  assert.equal((await desktop.closed).reason, 'completed');

  // The relay carried only opaque frames: no challenge, assertion or token bytes.
  const result = (await posted) as unknown as { response: Record<string, string> };
  const secrets = {
    challenge: challenge(),
    signature: result.response.signature,
    clientDataJSON: result.response.clientDataJSON,
    authenticatorData: result.response.authenticatorData,
    userHandle: result.response.userHandle,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    qrSecret: desktop.secret,
  };
  const seen = JSON.stringify(srv.observed.map((o) => o.payload));
  assert.ok(
    srv.observed.some((o) => o.event === 'pair:msg'),
    'the observer saw the relayed frames',
  );
  for (const [name, value] of Object.entries(secrets)) {
    assert.ok(value && value.length >= 16, `${name} is a real value`);
    assert.equal(seen.includes(value), false, `relay saw the ${name}`);
  }
  // Nor the logs.
  for (const [name, value] of Object.entries(secrets)) {
    assert.equal(srv.logs().includes(String(value)), false, `logs hold the ${name}`);
  }

  // The same link again: used.
  await page.goto(desktop.link);
  await page.getByTestId('pair-error').waitFor();
  assert.equal(await page.getByTestId('pair-error').getAttribute('data-reason'), 'used');
});

test('the v2 link opens the page the server serves, with the id derived from its key', async (t) => {
  const { desktop } = await signInDesktop();
  t.onTestFinished(() => desktop.close());
  // Scheme and host in capitals for the QR's alphanumeric mode; the browser lowers them.
  assert.ok(desktop.link.startsWith(`${srv.phoneOrigin.toUpperCase()}/m/pair#2`), desktop.link);
  await owner.page.goto(desktop.link);
  await owner.page.getByTestId('pair-review').waitFor();
  assert.equal(new URL(owner.page.url()).origin, srv.phoneOrigin);
  assert.equal((await desktop.joined).phone.device.length > 0, true);
  await owner.page.getByRole('button', { name: 'Deny' }).click();
  assert.equal((await desktop.closed).reason, 'denied');
});

test('a v1 link (a desktop before v2) still signs in', async (t) => {
  const { desktop, attemptId } = await signInDesktop({ linkVersion: 1 });
  t.onTestFinished(() => desktop.close());
  assert.match(desktop.link, /\/m\/pair#v=1&p=/);
  const page = owner.page;
  await page.goto(desktop.link);
  await page.getByTestId('pair-review').waitFor();
  await page.getByRole('button', { name: 'Approve' }).click();
  const verified = await redeem(desktop, attemptId(), await desktop.answer);
  assert.equal(verified.status, 200, JSON.stringify(verified.body));
  await desktop.send({ type: 'done', ok: true });
  await desktop.complete();
  await page.getByTestId('pair-done').waitFor();
});

test('different network: warning first, then the code only the phone shows; the server demands it', async (t) => {
  const { desktop, attemptId } = await signInDesktop({ localAddress: '127.0.0.2' });
  t.onTestFinished(() => desktop.close());
  const page = owner.page;
  await page.goto(desktop.link);
  await page.getByTestId('network-warning').waitFor();
  assert.equal(await page.getByTestId('pair-desktop-ip').textContent(), '127.0.0.2');
  assert.equal(await page.getByTestId('reverse-code').count(), 0, 'no code before approval');
  assert.equal((await desktop.joined).sameNetwork, false);

  await page.getByRole('button', { name: 'Approve' }).click();
  const code = ((await page.getByTestId('reverse-code').textContent()) ?? '').replace(/\D/g, '');
  assert.match(code, /^\d{6}$/);
  const answer = await desktop.answer;
  const without = await redeem(desktop, attemptId(), answer, undefined, '127.0.0.2');
  assert.equal((without.body.error as { code: string }).code, 'reverse_code_required');
  const wrong = code === '000000' ? '111111' : '000000';
  const bad = await redeem(desktop, attemptId(), answer, wrong, '127.0.0.2');
  assert.equal((bad.body.error as { code: string }).code, 'reverse_code_invalid');
  const good = await redeem(desktop, attemptId(), answer, code, '127.0.0.2');
  assert.equal(good.status, 200, JSON.stringify(good.body));
  await desktop.send({ type: 'done', ok: true });
  await desktop.complete();
  await page.getByTestId('pair-done').waitFor();
  // The code reached the phone only: never in a frame or event to the desktop.
  const toDesktop = srv.observed.filter((o) => o.socketId === desktop.socket.id);
  assert.equal(JSON.stringify(toDesktop).includes(code), false);
});

test('Deny: the desktop hears "denied" in the channel and from the relay; nothing is signed', async (t) => {
  const { desktop } = await signInDesktop();
  t.onTestFinished(() => desktop.close());
  await owner.denyPairing(desktop.link);
  const answer = await desktop.answer;
  assert.deepEqual(answer, { type: 'reject', reason: 'denied' });
  assert.equal((await desktop.closed).reason, 'denied');
});

test('a tampered frame from the relay closes the pairing on both ends', async (t) => {
  const desktop = await startDesktop({ url: srv.url, phoneOrigin: srv.phoneOrigin });
  t.onTestFinished(() => desktop.close());
  const page = owner.page;
  await page.goto(desktop.link);
  await desktop.hello;
  // A frame the desktop sealed, with one bit flipped on the way.
  const frame = fromBase64Url(
    await desktop.channel.seal({
      type: 'request',
      kind: 'create',
      options: {
        challenge: 'AAAAAAAAAAAAAAAAAAAAAA',
        rp: { name: 'x' },
        user: { id: 'u', name: 'n' },
      },
      display: DISPLAY,
    }),
  );
  frame[frame.length - 3]! ^= 1;
  desktop.sendRaw(toBase64Url(frame));
  await page.getByTestId('pair-error').waitFor();
  assert.equal(await page.getByTestId('pair-error').getAttribute('data-reason'), 'tampered');
  assert.equal((await desktop.closed).reason, 'channel-error');
});

test('a replayed phone frame makes the desktop close the pairing for both', async (t) => {
  const desktop = await startDesktop({ url: srv.url, phoneOrigin: srv.phoneOrigin });
  t.onTestFinished(() => desktop.close());
  const page = owner.page;
  await page.goto(desktop.link);
  await desktop.hello;
  // The relay replays the phone's hello back to the desktop.
  const replay = desktop.frames[0];
  // Deliver it again through the desktop's own handler, exactly as a relay replay arrives.
  (desktop.socket as unknown as { listeners(e: string): ((m: unknown) => void)[] })
    .listeners('pair:msg')
    .forEach((l) => l({ pairingId: desktop.pairingId, data: replay }));
  assert.equal((await desktop.closed).reason, 'channel-error');
  assert.equal(desktop.channelErrors.length, 1);
  await page.getByTestId('pair-error').waitFor();
  assert.equal(await page.getByTestId('pair-error').getAttribute('data-reason'), 'tampered');
});

test("a desktop that sends another attempt's challenge is refused by the phone", async (t) => {
  let other = '';
  const desktop = await startDesktop({
    url: srv.url,
    phoneOrigin: srv.phoneOrigin,
    linkOptions: async (pairingId) => {
      await call(srv.url, '/api/auth/passkey/options', { body: { pairingId } });
      // An attempt not bound to this pairing (so no reverse code would guard it).
      const r = await call(srv.url, '/api/auth/passkey/options', { body: {} });
      other = (r.body.options as { challenge: string }).challenge;
    },
    autoRequest: async () => ({
      kind: 'get',
      options: { challenge: other, rpId: 'exchange.localhost', userVerification: 'required' },
    }),
  });
  t.onTestFinished(() => desktop.close());
  const page = owner.page;
  await page.goto(desktop.link);
  await page.getByTestId('pair-error').waitFor();
  assert.equal(await page.getByTestId('pair-error').getAttribute('data-reason'), 'tampered');
  assert.equal(await page.getByRole('button', { name: 'Approve' }).count(), 0);
  assert.equal((await desktop.closed).reason, 'channel-error');
});

test('a link with the wrong secret: the desktop cannot open the hello, both ends close', async (t) => {
  const wrongSecret = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
  const desktop = await startDesktop({
    url: srv.url,
    phoneOrigin: srv.phoneOrigin,
    linkSecret: wrongSecret,
  });
  t.onTestFinished(() => desktop.close());
  await owner.page.goto(desktop.link);
  await owner.page.getByTestId('pair-error').waitFor();
  assert.equal(await owner.page.getByTestId('pair-error').getAttribute('data-reason'), 'tampered');
  assert.equal((await desktop.closed).reason, 'channel-error');
  assert.equal(desktop.channelErrors.length, 1);
});

test('cancelled, unknown, wrong-version, malformed and missing links each get their own words', async (t) => {
  const page = owner.page;
  const reasonOf = async (link: string) => {
    await page.goto('about:blank');
    await page.goto(link);
    const el = page.getByTestId('pair-error');
    await el.waitFor();
    return { reason: await el.getAttribute('data-reason'), text: (await el.textContent()) ?? '' };
  };
  const desktop = await startDesktop({ url: srv.url, phoneOrigin: srv.phoneOrigin });
  t.onTestFinished(() => desktop.close());
  desktop.cancel();
  assert.equal((await desktop.closed).reason, 'cancelled');
  const cancelled = await reasonOf(desktop.link);
  assert.equal(cancelled.reason, 'cancelled');
  assert.match(cancelled.text, /cancelled/);

  const u = new URL(desktop.link);
  const base = `${u.origin}${u.pathname}`;
  const digits = u.hash.slice(2);
  // A well-formed v2 link for a key no desktop gave the relay.
  const stranger = buildQrLink({
    origin: srv.phoneOrigin,
    desktopPublicKey: (await generateDesktopKeys()).publicKey,
    secret: generateQrSecret(),
  });
  const unknown = await reasonOf(stranger);
  assert.equal(unknown.reason, 'unknown');
  const version = await reasonOf(`${base}#3${digits}`);
  assert.equal(version.reason, 'wrong-version');
  assert.match(version.text, /different version/);
  const malformed = await reasonOf(`${base}#2${digits.slice(9)}`);
  assert.equal(malformed.reason, 'malformed');
  // v1 links: another v, or a damaged key.
  const v1 = new URLSearchParams({ v: '1', p: 'AAAAAAAAAAAAAAAAAAAAAA', k: 'abc', s: 'abc' });
  assert.equal((await reasonOf(`${base}#${v1}`)).reason, 'malformed');
  v1.set('v', '0');
  assert.equal((await reasonOf(`${base}#${v1}`)).reason, 'wrong-version');
  const none = await reasonOf(`${u.origin}${u.pathname}`);
  assert.equal(none.reason, 'no-link');
  const texts = new Set([cancelled, unknown, version, malformed, none].map((r) => r.text));
  assert.equal(texts.size, 5, 'each reason has its own words');
});

test('an expired QR: the desktop hears "expired", the phone says so in plain words', async (t) => {
  const short = await startTunnelServer({ limits: { unscannedMs: 200 } });
  t.onTestFinished(() => short.close());
  const desktop = await startDesktop({ url: short.url, phoneOrigin: short.phoneOrigin });
  t.onTestFinished(() => desktop.close());
  assert.equal((await desktop.closed).reason, 'expired');
  const page = await owner.context.newPage();
  t.onTestFinished(() => page.close());
  await page.goto(desktop.link);
  await page.getByTestId('pair-error').waitFor();
  assert.equal(await page.getByTestId('pair-error').getAttribute('data-reason'), 'expired');
  assert.match((await page.getByTestId('pair-error').textContent()) ?? '', /expired/);
});

test('a failed biometric check shows the error and lets the person try again', async (t) => {
  const { desktop, attemptId } = await signInDesktop();
  t.onTestFinished(() => desktop.close());
  const page = owner.page;
  await owner.authenticator.setUserVerified(false);
  t.onTestFinished(() => owner.authenticator.setUserVerified(true));
  await page.goto('about:blank');
  await page.goto(desktop.link);
  await page.getByRole('button', { name: 'Approve' }).click();
  const error = page.getByTestId('error');
  await error.waitFor();
  assert.match((await error.textContent()) ?? '', /didn't finish/);
  await owner.authenticator.setUserVerified(true);
  await page.getByRole('button', { name: 'Approve' }).click();
  const verified = await redeem(desktop, attemptId(), await desktop.answer);
  assert.equal(verified.status, 200, JSON.stringify(verified.body));
  await desktop.send({ type: 'done', ok: true });
  await desktop.complete();
  await page.getByTestId('pair-done').waitFor();
});

test('a sign-in request on a pairing with no linked attempt is refused by the phone', async (t) => {
  // The desktop never linked an attempt, so no reverse code could guard whatever it sends.
  let challenge = '';
  const desktop = await startDesktop({
    url: srv.url,
    phoneOrigin: srv.phoneOrigin,
    localAddress: '127.0.0.2',
    linkOptions: async () => {
      const r = await call(srv.url, '/api/auth/passkey/options', { body: {} });
      challenge = (r.body.options as { challenge: string }).challenge;
    },
    autoRequest: async () => ({
      kind: 'get',
      options: { challenge, rpId: 'exchange.localhost', userVerification: 'required' },
    }),
  });
  t.onTestFinished(() => desktop.close());
  const page = owner.page;
  await page.goto(desktop.link);
  await page.getByTestId('pair-error').waitFor();
  assert.equal(await page.getByTestId('pair-error').getAttribute('data-reason'), 'tampered');
  assert.equal((await desktop.closed).reason, 'channel-error');
});

test('an add-passkey request is refused too when nothing is linked, or when the pairing was linked for sign-in', async (t) => {
  const fakeCreate = (challenge: string) => ({
    kind: 'create' as const,
    options: { challenge, rp: { name: 'Keybridge' }, user: { id: 'dXNlcg', name: email } },
  });
  // 1. No linked attempt: no hash, so the phone refuses whatever the desktop asks.
  const unlinked = await startDesktop({
    url: srv.url,
    phoneOrigin: srv.phoneOrigin,
    autoRequest: fakeCreate('A'.repeat(43)),
  });
  t.onTestFinished(() => unlinked.close());
  const page = owner.page;
  await page.goto('about:blank');
  await page.goto(unlinked.link);
  await page.getByTestId('pair-error').waitFor();
  assert.equal(await page.getByTestId('pair-error').getAttribute('data-reason'), 'tampered');
  assert.equal((await unlinked.closed).reason, 'channel-error');

  // 2. Linked for sign-in, but the desktop asks to create a passkey with that challenge.
  let challenge = '';
  const desktop = await startDesktop({
    url: srv.url,
    phoneOrigin: srv.phoneOrigin,
    linkOptions: async (pairingId) => {
      const r = await call(srv.url, '/api/auth/passkey/options', { body: { pairingId } });
      challenge = (r.body.options as { challenge: string }).challenge;
    },
    autoRequest: async () => fakeCreate(challenge),
  });
  t.onTestFinished(() => desktop.close());
  await page.goto('about:blank');
  await page.goto(desktop.link);
  await page.getByTestId('pair-error').waitFor();
  assert.equal(await page.getByTestId('pair-error').getAttribute('data-reason'), 'tampered');
  assert.equal(await page.getByRole('button', { name: 'Approve' }).count(), 0);
  assert.equal((await desktop.closed).reason, 'channel-error');
});
