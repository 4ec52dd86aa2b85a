/**
 * Adding-a-passkey rules (server/passkeys/register-routes.ts) over real HTTP with genuine
 * WebAuthn bytes from the software authenticator (issue 12): the options are the account's and
 * the policy's; a registration needs a step-up at every step that adds; a challenge lives two
 * minutes and is spent by its first verify; the QR routes take only the phone's own cookie of
 * the same account; the limit of 20 holds at options, approve, redeem and verify; only the three
 * allowed algorithms register; what is stored and recorded is what the authenticator reported;
 * every refusal says what to do, and its log line names the reason, never the challenge.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, test } from 'vitest';
import { decodeAttestationObject, isoBase64URL } from '@simplewebauthn/server/helpers';
import type {
  MeResponse,
  PasskeyPairingOptionsResponse,
  PasskeyView,
  RegistrationOptionsJSON,
  RegistrationResponseJSON,
} from '../../../server/protocol/api';
import type { PairingLink } from '../../../server/tunnel/attempt-link';
import type { PairPurpose } from '../../../server/protocol/tunnel';
import { MAX_PASSKEYS } from '../../../server/passkeys/policy';
import { REGISTRATION_TIMEOUT_MS } from '../../../server/passkeys/register-routes';
import { defaultRateLimits } from '../../../server/config';
import { FrozenClock } from '../../support/frozen-clock';
import { startTestServer, TEST_RP_ID, type TestServer } from '../../support/server';
import { cbor, FLAG_UP, FLAG_UV, SoftAuthenticator } from '../../support/soft-authenticator';
import {
  call,
  desktopLogin,
  PASSWORD,
  signUp,
  type Reply,
  assertRefused,
} from '../../support/http';

type Refusal = { error: { code: string; message: string } };
type Options = { attemptId: string; options: RegistrationOptionsJSON };

/**
 * The relay's side of the attempt link, played by the test (a true boundary, like
 * test/server/fake-pairings.ts): only pairings in `open` accept a link, every link asked for is
 * remembered, and `holdLookups` makes the next two phone look-ups of a pairing wait for each
 * other, so two approvals run side by side.
 */
const open = new Set<string>();
const asked: { pairingId: string; kind: PairPurpose; attemptId: string }[] = [];
const linked = new Map<string, { kind: PairPurpose; attemptId: string }>();
let held: { pairingId: string; waiting: (() => void)[] } | null = null;
const link: PairingLink = {
  linkAttempt: async (pairingId, l) => {
    asked.push({ pairingId, kind: l.kind, attemptId: l.attemptId });
    if (!open.has(pairingId)) return false;
    linked.set(pairingId, { kind: l.kind, attemptId: l.attemptId });
    return true;
  },
  linkedAttempt: async (pairingId) => {
    if (held?.pairingId === pairingId) {
      const hold = held;
      await new Promise<void>((resolve) => {
        hold.waiting.push(resolve);
        if (hold.waiting.length === 2) {
          held = null;
          for (const go of hold.waiting) go();
        }
      });
    }
    return linked.get(pairingId) ?? null;
  },
  reverseCodeFor: async () => undefined,
};
const holdLookups = (pairingId: string) => {
  held = { pairingId, waiting: [] };
};

let srv: TestServer;
const clock = new FrozenClock();
const many = { max: 100_000, windowSeconds: 60 };
beforeAll(async () => {
  srv = await startTestServer({
    clock,
    seams: { pairingLink: () => link },
    // Dozens of sign-ups and options from one address: the limits are not what is tested here.
    rateLimits: { ...defaultRateLimits, perIp: many, signupPerIp: many, passkeyOptionsPerIp: many },
  });
});
afterAll(() => srv.close());

let n = 0;
let pairings = 0;
const newPairingId = () => Buffer.alloc(16, ++pairings % 250).toString('base64url');

/** A phone signed in to a new account by cookie, freshly stepped up, with its authenticator. */
async function phone(authOpts: ConstructorParameters<typeof SoftAuthenticator>[1] = {}) {
  const email = `register-rules-${++n}@example.com`;
  const cookie = await signUp(srv.url, email);
  await stepUp({ cookie });
  const me = (await call<MeResponse>(srv.url, '/api/me', { cookie })).body;
  return { email, cookie, me, auth: new SoftAuthenticator(srv.phoneOrigin, authOpts) };
}

async function stepUp(who: { cookie?: string; token?: string }) {
  const r = await call(srv.url, '/api/step-up', { ...who, body: { password: PASSWORD } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

/** The desktop's signed-in, stepped-up bearer session of an account. */
async function desktopOf(email: string) {
  const { accessToken } = await desktopLogin(srv.url, email);
  await stepUp({ token: accessToken });
  return accessToken;
}

const options = (who: { cookie?: string; token?: string }, body: object = {}) =>
  call<Options & Refusal>(srv.url, '/api/passkeys/options', { ...who, body });

async function directOptions(cookie: string) {
  const r = await options({ cookie });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

const verify = (cookie: string, attemptId: string, response: unknown, extra: object = {}) =>
  call<PasskeyView & Refusal>(srv.url, '/api/passkeys/verify', {
    cookie,
    body: { attemptId, response, ...extra },
  });

/** The desktop's add-passkey attempt on a pairing the relay has open. */
async function qrAttempt(token: string) {
  const pairingId = newPairingId();
  open.add(pairingId);
  const r = await options({ token }, { pairingId });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { pairingId, ...r.body };
}

const pairingOptions = (cookie: string, pairingId: string) =>
  call<PasskeyPairingOptionsResponse & Refusal>(srv.url, '/api/passkeys/pairing/options', {
    cookie,
    body: { pairingId },
  });

const approve = (cookie: string, pairingId: string, response: unknown, extra: object = {}) =>
  call<{ approved: boolean } & Refusal>(srv.url, '/api/passkeys/pairing/approve', {
    cookie,
    body: { pairingId, response, ...extra },
  });

const redeem = (token: string, attemptId: string) =>
  call<{ passkey: PasskeyView } & Refusal>(srv.url, '/api/passkeys/redeem', {
    token,
    body: { attemptId },
  });

/** A refusal: its status and code, and words the page shows as they are: a whole sentence. */
const refused = (r: Reply<unknown>, status: number, code: string) =>
  assertRefused(r, status, code, /^[A-Z].{20,}\.$/);

async function addDirect(cookie: string, auth: SoftAuthenticator) {
  const o = await directOptions(cookie);
  const r = await verify(cookie, o.attemptId, auth.register(o.options));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

const passkeysOf = (userId: string) =>
  srv.context.db
    .selectFrom('passkeys')
    .selectAll()
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();

async function snapshot() {
  const db = srv.context.db;
  return {
    passkeys: await db.selectFrom('passkeys').selectAll().orderBy('id').execute(),
    activity: await db.selectFrom('activity').select('seq').orderBy('seq').execute(),
  };
}

test('the options are built from the account and the policy: its handle and email, UV and a discoverable key, three algorithms, its passkeys excluded', async () => {
  const p = await phone();
  await addDirect(p.cookie, p.auth);
  const o = (await directOptions(p.cookie)).options;
  assert.deepEqual(o.rp, { name: 'Keybridge Test Exchange', id: TEST_RP_ID });
  assert.deepEqual(o.user, { id: p.me.webauthnUserId, name: p.email, displayName: p.email });
  assert.equal(o.timeout, REGISTRATION_TIMEOUT_MS);
  assert.equal(REGISTRATION_TIMEOUT_MS, 120_000);
  assert.equal(o.attestation, 'none');
  assert.deepEqual(o.authenticatorSelection, {
    residentKey: 'required',
    requireResidentKey: true,
    userVerification: 'required',
  });
  assert.deepEqual(
    o.pubKeyCredParams.map((c) => c.alg),
    [-7, -8, -257],
  );
  assert.deepEqual(o.excludeCredentials, [
    {
      id: p.auth.credentials[0]!.id.toString('base64url'),
      type: 'public-key',
      transports: ['internal'],
    },
  ]);
  // The phone's QR options are the same, around the desktop's challenge.
  const token = await desktopOf(p.email);
  const q = await qrAttempt(token);
  const qo = await pairingOptions(p.cookie, q.pairingId);
  assert.equal(qo.status, 200, JSON.stringify(qo.body));
  assert.equal(qo.body.options.challenge, q.options.challenge);
  assert.deepEqual({ ...qo.body.options, challenge: o.challenge }, o);
});

test('options with no body at all are options for the phone itself', async () => {
  const p = await phone();
  const r = await call<Options>(srv.url, '/api/passkeys/options', {
    cookie: p.cookie,
    method: 'POST',
  });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(
    (await verify(p.cookie, r.body.attemptId, p.auth.register(r.body.options))).status,
    201,
  );
});

test('a pairing the relay does not hold is refused (404) and the attempt made for it is gone', async () => {
  const p = await phone();
  const token = await desktopOf(p.email);
  const pairingId = newPairingId();
  asked.length = 0;
  const r = await options({ token }, { pairingId });
  refused(r, 404, 'pairing_not_found');
  assert.equal(asked.length, 1);
  assert.equal(asked[0]?.kind, 'add-passkey');
  assert.equal(await srv.context.registrationAttempts.get(asked[0]!.attemptId), undefined);
});

test('adding a passkey needs a step-up in the last five minutes at options, verify and redeem; a refusal spends nothing', async () => {
  const p = await phone();
  clock.advance(5 * 60_000);
  refused(await options({ cookie: p.cookie }), 403, 'step_up_required');

  // Verify: the step-up lapsed between options and verify; the attempt survives the refusal.
  await stepUp({ cookie: p.cookie });
  clock.advance(4 * 60_000);
  const o = await directOptions(p.cookie);
  clock.advance(60_000);
  const response = p.auth.register(o.options);
  const before = await snapshot();
  refused(await verify(p.cookie, o.attemptId, response), 403, 'step_up_required');
  assert.deepEqual(await snapshot(), before);
  await stepUp({ cookie: p.cookie });
  assert.equal((await verify(p.cookie, o.attemptId, response)).status, 201);

  // Redeem: the desktop's step-up lapsed after the phone approved.
  const token = await desktopOf(p.email);
  clock.advance(4 * 60_000);
  const q = await qrAttempt(token);
  const qo = await pairingOptions(p.cookie, q.pairingId);
  const other = new SoftAuthenticator(srv.phoneOrigin);
  assert.equal((await approve(p.cookie, q.pairingId, other.register(qo.body.options))).status, 200);
  clock.advance(60_000);
  const parked = await snapshot();
  refused(await redeem(token, q.attemptId), 403, 'step_up_required');
  assert.deepEqual(await snapshot(), parked);
  await stepUp({ token });
  const done = await redeem(token, q.attemptId);
  assert.equal(done.status, 201, JSON.stringify(done.body));
  assert.equal(done.body.passkey.credentialId, other.credentials[0]!.id.toString('base64url'));
});

test('a registration challenge lives exactly two minutes, and an expired one is spent', async () => {
  const p = await phone();
  const inTime = await directOptions(p.cookie);
  const late = await directOptions(p.cookie);
  clock.advance(REGISTRATION_TIMEOUT_MS - 1);
  assert.equal(
    (await verify(p.cookie, inTime.attemptId, p.auth.register(inTime.options))).status,
    201,
  );
  clock.advance(1);
  const before = await snapshot();
  const msg = refused(
    await verify(p.cookie, late.attemptId, p.auth.register(late.options)),
    400,
    'challenge_expired',
  );
  assert.match(msg, /timed out/);
  refused(
    await verify(p.cookie, late.attemptId, p.auth.register(late.options)),
    400,
    'attempt_not_found',
  );
  assert.deepEqual(await snapshot(), before);
});

test('the first verify spends the challenge, refused or not: a good response after a bad one, or a replay, is refused', async () => {
  const p = await phone();
  const o = await directOptions(p.cookie);
  const bad = p.auth.register(o.options, { origin: 'http://evil.localhost' });
  const msg = refused(await verify(p.cookie, o.attemptId, bad), 400, 'passkey_verification_failed');
  assert.equal(msg, 'The passkey could not be verified. Try again.');
  const good = p.auth.register(o.options);
  const before = await snapshot();
  const again = refused(await verify(p.cookie, o.attemptId, good), 400, 'attempt_not_found');
  assert.match(again, /already used/);
  assert.deepEqual(await snapshot(), before);
  const o2 = await directOptions(p.cookie);
  const ok = p.auth.register(o2.options);
  assert.equal((await verify(p.cookie, o2.attemptId, ok)).status, 201);
  refused(await verify(p.cookie, o2.attemptId, ok), 400, 'attempt_not_found');
});

test("the QR routes take only the phone's own cookie of the same account, in words that name nobody", async () => {
  const owner = await phone();
  const stranger = await phone();
  const token = await desktopOf(owner.email);
  const q = await qrAttempt(token);
  const phoneWords = 'Sign in to your account on this phone first.';
  const bodies = {
    '/api/passkeys/pairing/options': { pairingId: q.pairingId },
    '/api/passkeys/pairing/approve': {
      pairingId: q.pairingId,
      response: owner.auth.register(q.options),
    },
  };
  for (const [path, body] of Object.entries(bodies)) {
    // No session at all, and the desktop's bearer: the same words, about the phone.
    const none = call(srv.url, path, { body });
    assert.equal(refused(await none, 401, 'unauthorized'), phoneWords, path);
    const bearer = call(srv.url, path, { token, body });
    assert.equal(refused(await bearer, 401, 'unauthorized'), phoneWords, path);
    const other = await call(srv.url, path, { cookie: stranger.cookie, body });
    const words = refused(other, 403, 'wrong_account');
    assert.ok(!words.includes(owner.email.split('@')[0]!), words);
  }
  const own = await pairingOptions(owner.cookie, q.pairingId);
  assert.equal(own.status, 200, JSON.stringify(own.body));
  assert.deepEqual(own.body.account, { email: owner.email });
});

test('two approvals of one attempt at once: one is parked, the other refused, and redeem adds the first only', async () => {
  const p = await phone();
  const token = await desktopOf(p.email);
  const q = await qrAttempt(token);
  const qo = (await pairingOptions(p.cookie, q.pairingId)).body.options;
  const a = new SoftAuthenticator(srv.phoneOrigin);
  const b = new SoftAuthenticator(srv.phoneOrigin);
  holdLookups(q.pairingId);
  const [ra, rb] = await Promise.all([
    approve(p.cookie, q.pairingId, a.register(qo)),
    approve(p.cookie, q.pairingId, b.register(qo)),
  ]);
  const answers = [ra, rb].map((r) => r.status).sort();
  assert.deepEqual(answers, [200, 409], JSON.stringify([ra.body, rb.body]));
  const loser = ra.status === 409 ? ra : rb;
  refused(loser, 409, 'already_approved');
  const winner = ra.status === 200 ? a : b;
  assert.deepEqual((ra.status === 200 ? ra : rb).body, { approved: true });
  const done = await redeem(token, q.attemptId);
  assert.equal(done.status, 201, JSON.stringify(done.body));
  assert.equal(done.body.passkey.credentialId, winner.credentials[0]!.id.toString('base64url'));
  assert.equal((await passkeysOf(p.me.user.id)).length, 1);
});

test(`at most ${MAX_PASSKEYS} passkeys: checked at options (both), approve, redeem and verify, with nothing added`, async () => {
  const p = await phone();
  for (let i = 0; i < MAX_PASSKEYS - 1; i++) await addDirect(p.cookie, p.auth);
  const token = await desktopOf(p.email);
  // Everything started while the account had room for one more.
  const parked = await qrAttempt(token);
  const parkedOpts = (await pairingOptions(p.cookie, parked.pairingId)).body.options;
  assert.equal(
    (await approve(p.cookie, parked.pairingId, p.auth.register(parkedOpts))).status,
    200,
  );
  const unapproved = await qrAttempt(token);
  const unapprovedOpts = (await pairingOptions(p.cookie, unapproved.pairingId)).body.options;
  const direct = await directOptions(p.cookie);
  const last = await directOptions(p.cookie);
  assert.equal((await verify(p.cookie, last.attemptId, p.auth.register(last.options))).status, 201);
  assert.equal((await passkeysOf(p.me.user.id)).length, MAX_PASSKEYS);

  const before = await snapshot();
  const words = refused(await redeem(token, parked.attemptId), 409, 'passkey_limit_reached');
  assert.equal(words, `An account can have at most ${MAX_PASSKEYS} passkeys. Remove one first.`);
  refused(
    await approve(p.cookie, unapproved.pairingId, p.auth.register(unapprovedOpts)),
    409,
    'passkey_limit_reached',
  );
  refused(await pairingOptions(p.cookie, unapproved.pairingId), 409, 'passkey_limit_reached');
  refused(await options({ token }, { pairingId: newPairingId() }), 409, 'passkey_limit_reached');
  refused(await options({ cookie: p.cookie }), 409, 'passkey_limit_reached');
  refused(
    await verify(p.cookie, direct.attemptId, p.auth.register(direct.options)),
    409,
    'passkey_limit_reached',
  );
  assert.deepEqual(await snapshot(), before);
});

test('a credential id already registered is refused at verify and at approve, in words', async () => {
  const p = await phone();
  await addDirect(p.cookie, p.auth);
  const id = p.auth.credentials[0]!.id;
  const o = await directOptions(p.cookie);
  const before = await snapshot();
  const words = refused(
    await verify(p.cookie, o.attemptId, p.auth.register(o.options, { credentialId: id })),
    409,
    'credential_already_registered',
  );
  assert.equal(words, 'This passkey is already registered.');
  assert.deepEqual(await snapshot(), before);
  const token = await desktopOf(p.email);
  const q = await qrAttempt(token);
  const qo = (await pairingOptions(p.cookie, q.pairingId)).body.options;
  const parked = await snapshot();
  refused(
    await approve(p.cookie, q.pairingId, p.auth.register(qo, { credentialId: id })),
    409,
    'credential_already_registered',
  );
  assert.deepEqual(await snapshot(), parked);
});

/** A 'none' attestation of `cose` (a COSE public key) for the options, as a browser sends it. */
function attestationWithKey(o: RegistrationOptionsJSON, cose: Buffer): RegistrationResponseJSON {
  const id = Buffer.alloc(32, ++n % 250);
  const authData = Buffer.concat([
    sha256(TEST_RP_ID),
    Buffer.from([FLAG_UP | FLAG_UV | 0x40]),
    Buffer.alloc(4),
    Buffer.alloc(16),
    Buffer.from([0, id.length]),
    id,
    cose,
  ]);
  const clientData = {
    type: 'webauthn.create',
    challenge: o.challenge,
    origin: srv.phoneOrigin,
    crossOrigin: false,
  };
  return {
    id: id.toString('base64url'),
    rawId: id.toString('base64url'),
    type: 'public-key',
    response: {
      clientDataJSON: Buffer.from(JSON.stringify(clientData)).toString('base64url'),
      attestationObject: cbor({ fmt: 'none', attStmt: {}, authData }).toString('base64url'),
      transports: ['internal'],
    },
    clientExtensionResults: {},
  };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

const jwkBytes = (v: string | undefined) => Buffer.from(v!, 'base64url');

test('keys of the three allowed algorithms register (ES256, EdDSA, RS256); ES384 is refused', async () => {
  const p = await phone();
  const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
    format: 'jwk',
  });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({
    format: 'jwk',
  });
  const eddsa = cbor(
    new Map<number, number | Buffer>([
      [1, 1],
      [3, -8],
      [-1, 6],
      [-2, jwkBytes(ed.x)],
    ]),
  );
  const rs256 = cbor(
    new Map<number, number | Buffer>([
      [1, 3],
      [3, -257],
      [-1, jwkBytes(rsa.n)],
      [-2, jwkBytes(rsa.e)],
    ]),
  );
  const es384 = cbor(
    new Map<number, number | Buffer>([
      [1, 2],
      [3, -35],
      [-1, 2],
      [-2, jwkBytes(p384.x)],
      [-3, jwkBytes(p384.y)],
    ]),
  );
  for (const [label, cose] of [
    ['EdDSA', eddsa],
    ['RS256', rs256],
  ] as const) {
    const o = await directOptions(p.cookie);
    const r = await verify(p.cookie, o.attemptId, attestationWithKey(o.options, cose));
    assert.equal(r.status, 201, `${label}: ${JSON.stringify(r.body)}`);
  }
  const o = await directOptions(p.cookie);
  const before = await snapshot();
  refused(
    await verify(p.cookie, o.attemptId, attestationWithKey(o.options, es384)),
    400,
    'passkey_verification_failed',
  );
  assert.deepEqual(await snapshot(), before);
  assert.equal((await passkeysOf(p.me.user.id)).length, 2);
});

test('an attestation whose signature does not verify is refused, and the log names the reason only', async () => {
  const p = await phone();
  const o = await directOptions(p.cookie);
  const honest = p.auth.register(o.options);
  const { privateKey } = p.auth.credentials[0]!;
  const authData = decodeAttestationObject(
    isoBase64URL.toBuffer(honest.response.attestationObject),
  ).get('authData');
  // Packed self-attestation signed over other bytes: @simplewebauthn answers verified: false.
  const packed = cbor({
    fmt: 'packed',
    attStmt: { alg: -7, sig: sign('sha256', Buffer.from('not the signed data'), privateKey) },
    authData,
  });
  const forged = {
    ...honest,
    response: { ...honest.response, attestationObject: packed.toString('base64url') },
  };
  const logged = srv.logs().length;
  const before = await snapshot();
  refused(await verify(p.cookie, o.attemptId, forged), 400, 'passkey_verification_failed');
  assert.deepEqual(await snapshot(), before);
  const lines = srv
    .logs()
    .slice(logged)
    .split('\n')
    .filter((l) => l.includes('passkey registration refused'));
  assert.equal(lines.length, 1, srv.logs().slice(logged));
  assert.equal((JSON.parse(lines[0]!) as { reason: string }).reason, 'signature_invalid');
  assert.ok(!srv.logs().slice(logged).includes(o.options.challenge), 'no challenge in the logs');
});

test('refusals at approve are logged with their reason, never the challenge', async () => {
  const p = await phone();
  const token = await desktopOf(p.email);
  const q = await qrAttempt(token);
  const qo = (await pairingOptions(p.cookie, q.pairingId)).body.options;
  const cases: [string, Parameters<SoftAuthenticator['register']>[1]][] = [
    ['cross_origin', { crossOrigin: true }],
    ['origin_mismatch', { origin: 'http://evil.localhost' }],
    ['user_not_verified', { flags: FLAG_UP | 0x40 }],
  ];
  for (const [reason, overrides] of cases) {
    const logged = srv.logs().length;
    const words = refused(
      await approve(p.cookie, q.pairingId, p.auth.register(qo, overrides)),
      400,
      'passkey_verification_failed',
    );
    assert.equal(words, 'The passkey could not be verified. Try again.');
    const fresh = srv.logs().slice(logged);
    const line = fresh.split('\n').find((l) => l.includes('passkey registration refused'));
    assert.ok(line, fresh);
    assert.equal((JSON.parse(line) as { reason: string }).reason, reason);
    assert.ok(!fresh.includes(q.options.challenge), 'no challenge in the logs');
  }
  // Refusals park nothing: the honest attestation is still approved.
  assert.equal((await approve(p.cookie, q.pairingId, p.auth.register(qo))).status, 200);
});

test('what is stored is what the authenticator reported: backup flags, counter, UV, transports, AAGUID', async () => {
  const cases = [
    [{ backupEligible: true, backedUp: true }, { backup_eligible: 1, backed_up: 1 }, 'synced'],
    [{ backupEligible: true, backedUp: false }, { backup_eligible: 1, backed_up: 0 }, 'synced'],
    [{}, { backup_eligible: 0, backed_up: 0 }, 'device-bound'],
  ] as const;
  for (const [authOpts, flags, kind] of cases) {
    const p = await phone(authOpts);
    const o = await directOptions(p.cookie);
    const r = await verify(p.cookie, o.attemptId, p.auth.register(o.options, { counter: 7 }));
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.kind, kind);
    assert.equal(r.body.usedForThisSession, false);
    const [row] = await passkeysOf(p.me.user.id);
    assert.deepEqual(
      {
        user_id: row?.user_id,
        credential_id: row?.credential_id,
        backup_eligible: row?.backup_eligible,
        backed_up: row?.backed_up,
        counter: row?.counter,
        uv_initialized: row?.uv_initialized,
        transports: row?.transports,
        aaguid: row?.aaguid,
      },
      {
        user_id: p.me.user.id,
        credential_id: p.auth.credentials[0]!.id.toString('base64url'),
        ...flags,
        counter: 7,
        uv_initialized: 1,
        transports: '["internal"]',
        aaguid: '00000000-0000-0000-0000-000000000000',
      },
    );
  }
  // A browser that reports no transports: none are stored.
  const p = await phone();
  const o = await directOptions(p.cookie);
  const response = p.auth.register(o.options);
  delete response.response.transports;
  const r = await verify(p.cookie, o.attemptId, response);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.deepEqual(r.body.transports, []);
  assert.equal((await passkeysOf(p.me.user.id))[0]?.transports, '[]');
});

test("a passkey is named by its provider, else by the creating browser's user agent, else by the request's", async () => {
  const firefox =
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
  const android =
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36';
  const p = await phone();
  const named = async (userAgent?: string) => {
    const o = await directOptions(p.cookie);
    const r = await call<PasskeyView>(srv.url, '/api/passkeys/verify', {
      cookie: p.cookie,
      headers: { 'user-agent': android },
      body: {
        attemptId: o.attemptId,
        response: p.auth.register(o.options),
        ...(userAgent ? { userAgent } : {}),
      },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body.name;
  };
  assert.equal(await named(firefox), 'Firefox on Windows');
  assert.equal(await named(), 'Chrome on Android');
  const apple = await phone({ aaguid: 'fbfc3007-154e-4ecc-8c0b-6e020557d7bd' });
  const o = await directOptions(apple.cookie);
  const r = await verify(apple.cookie, o.attemptId, apple.auth.register(o.options), {
    userAgent: firefox,
  });
  assert.equal(r.body.name, 'Apple Passwords');
  // By QR, the phone's browser names it, not the desktop that redeems.
  const token = await desktopOf(p.email);
  const q = await qrAttempt(token);
  const qo = (await pairingOptions(p.cookie, q.pairingId)).body.options;
  const qa = new SoftAuthenticator(srv.phoneOrigin);
  const ok = await approve(p.cookie, q.pairingId, qa.register(qo), { userAgent: android });
  assert.equal(ok.status, 200);
  assert.equal((await redeem(token, q.attemptId)).body.passkey.name, 'Chrome on Android');
});

test('every added passkey is recorded in the activity log with its id and name, by either path', async () => {
  const p = await phone();
  const direct = await addDirect(p.cookie, p.auth);
  const token = await desktopOf(p.email);
  const q = await qrAttempt(token);
  const qo = (await pairingOptions(p.cookie, q.pairingId)).body.options;
  const qa = new SoftAuthenticator(srv.phoneOrigin);
  assert.equal((await approve(p.cookie, q.pairingId, qa.register(qo))).status, 200);
  const byQr = (await redeem(token, q.attemptId)).body.passkey;
  const added = (
    await srv.context.db
      .selectFrom('activity')
      .select(['type', 'details'])
      .where('user_id', '=', p.me.user.id)
      .where('type', '=', 'passkey.added')
      .orderBy('seq')
      .execute()
  ).map((a) => JSON.parse(a.details) as Record<string, unknown>);
  assert.deepEqual(added, [
    { passkeyId: direct.id, passkeyName: direct.name },
    { passkeyId: byQr.id, passkeyName: byQr.name },
  ]);
});
