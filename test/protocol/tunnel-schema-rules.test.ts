/**
 * The tunnel protocol's wire rules (server/protocol/tunnel.ts): what the relay accepts from a
 * socket, and what each end accepts out of the channel. Every schema is asserted as the rule it
 * keeps: the valid messages of every type parse; wrong type strings, missing and extra fields,
 * over-long strings and wrong lengths are refused.
 *
 * The module is imported afresh inside every test (`fresh()`), not at the top: its schemas are
 * built when it loads, and under a per-module mutation run Stryker activates a mutant only after
 * the test file loaded, so a top-level import would always test the unmutated schemas
 * (docs/mutation.md, scripts/mutation.sh's FRESH_IMPORT_MODULES).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test, vi } from 'vitest';
import type * as TunnelModule from '../../server/protocol/tunnel';

type Tunnel = typeof TunnelModule;

async function fresh(): Promise<Tunnel> {
  vi.resetModules();
  return import('../../server/protocol/tunnel');
}

type Schema = { safeParse(v: unknown): { success: boolean } };

/** Each sample parses, or each is refused; the message names the sample that broke the rule. */
function accepts(schema: Schema, samples: unknown[]) {
  for (const s of samples) assert.ok(schema.safeParse(s).success, `refused ${JSON.stringify(s)}`);
}
function refuses(schema: Schema, samples: unknown[]) {
  for (const s of samples) assert.ok(!schema.safeParse(s).success, `accepted ${JSON.stringify(s)}`);
}

/** Every character a base64url id may hold, range ends included. */
const ID = 'AZaz09_-AZaz09_-AZaz09';
const KEY = 'AZaz09_-'.repeat(5) + 'AZaz'; // 44
const HASH = 'AZaz09_-'.repeat(5) + 'AZa'; // 43
const TIME = '2026-12-02T06:00:00.000Z';
const error = { code: 'unknown', message: 'This sign-in link is not known.' };

test('the wire names, version and frame limit are those every v1 client speaks', async () => {
  const t = await fresh();
  assert.equal(t.TUNNEL_PROTOCOL_VERSION, 1);
  assert.equal(t.TUNNEL_NAMESPACE, '/tunnel');
  assert.equal(t.MAX_MESSAGE_CHARS, 16_384);
  assert.deepEqual(t.TunnelEvent, {
    create: 'pair:create',
    join: 'pair:join',
    joined: 'pair:joined',
    msg: 'pair:msg',
    cancel: 'pair:cancel',
    complete: 'pair:complete',
    closed: 'pair:closed',
  });
});

test('a pairing id is exactly 22 base64url characters, nothing before or after', async () => {
  const { PairingId } = await fresh();
  accepts(PairingId, [ID, 'A'.repeat(22), '-'.repeat(22)]);
  refuses(PairingId, [
    ID.slice(1),
    ID + 'A',
    '!' + ID,
    ID + '!',
    ID.slice(1) + '+',
    ID.slice(1) + '/',
    ID.slice(1) + '=',
    ID.slice(1) + '.',
    '',
    22,
    null,
  ]);
  const refused = PairingId.safeParse('x');
  assert.ok(!refused.success);
  assert.equal(refused.error.issues[0]?.message, 'expected a pairing id');
});

test('roles, purposes, error codes, cancel and close reasons are closed lists', async () => {
  const t = await fresh();
  const lists: [Schema, string[]][] = [
    [t.TunnelRole, ['desktop', 'phone']],
    [t.PairPurpose, ['sign-in', 'add-passkey', 'step-up']],
    [
      t.TunnelErrorCode,
      [
        'unknown',
        'expired',
        'already-joined',
        'completed',
        'cancelled',
        'invalid',
        'rate-limited',
        'wrong-role',
        'too-many-pairings',
      ],
    ],
    [t.CancelReason, ['cancelled', 'denied', 'channel-error']],
    [
      t.ClosedReason,
      [
        'expired',
        'cancelled',
        'denied',
        'channel-error',
        'completed',
        'peer-left',
        'abuse',
        'shutdown',
      ],
    ],
    [t.RejectReason, ['denied', 'passkey-failed', 'unsupported', 'already-registered']],
  ];
  for (const [schema, values] of lists) {
    accepts(schema, values);
    refuses(schema, ['', 'other', values[0]!.toUpperCase(), ` ${values[0]}`, undefined]);
  }
  // Each list holds its own words only: a close reason is no error code, and so on.
  refuses(t.TunnelRole, ['sign-in', 'unknown']);
  refuses(t.CancelReason, ['expired', 'abuse']);
  refuses(t.TunnelErrorCode, ['abuse', 'denied']);
});

test('an error carries a known code and at most 300 characters of message', async () => {
  const { TunnelError } = await fresh();
  accepts(TunnelError, [error, { code: 'too-many-pairings', message: 'm'.repeat(300) }]);
  refuses(TunnelError, [
    { code: 'unknown', message: 'm'.repeat(301) },
    { code: 'nope', message: 'x' },
    { code: 'unknown' },
    { message: 'x' },
    { ...error, extra: 1 },
  ]);
});

test('pair:create: an optional v1 and an optional 44-character compressed key, nothing else', async () => {
  const { PairCreateRequest } = await fresh();
  accepts(PairCreateRequest, [{}, { v: 1 }, { key: KEY }, { v: 1, key: KEY }]);
  refuses(PairCreateRequest, [
    { v: 2 },
    { key: KEY.slice(1) },
    { key: KEY + 'A' },
    { key: '!' + KEY },
    { key: KEY + '!' },
    { key: KEY.slice(1) + '+' },
    { key: '' },
    { pairingId: ID },
    null,
  ]);
  const refused = PairCreateRequest.safeParse({ key: 'x' });
  assert.ok(!refused.success);
  assert.equal(refused.error.issues[0]?.message, 'expected a compressed public key');
});

test('create, join and cancel acks: ok true with its fields, or ok false with an error', async () => {
  const t = await fresh();
  const refusal = { ok: false, error };
  accepts(t.PairCreateAck, [{ ok: true, pairingId: ID, expiresAt: TIME }, refusal]);
  refuses(t.PairCreateAck, [
    { ok: true, pairingId: ID, expiresAt: 't'.repeat(41) },
    { ok: true, pairingId: 'short', expiresAt: TIME },
    { ok: true, pairingId: ID },
    { ok: true, error },
    { ok: false, pairingId: ID, expiresAt: TIME },
    { ok: false },
    { ...refusal, extra: 1 },
    { ok: true, pairingId: ID, expiresAt: TIME, extra: 1 },
  ]);
  accepts(t.PairCreateAck, [{ ok: true, pairingId: ID, expiresAt: 't'.repeat(40) }]);
  accepts(t.PairSimpleAck, [{ ok: true }, refusal]);
  refuses(t.PairSimpleAck, [{ ok: true, extra: 1 }, { ok: false }, { ok: true, error }, {}]);
});

test('pair:join asks for one pairing id; its ack carries only what the server vouches for', async () => {
  const t = await fresh();
  accepts(t.PairJoinRequest, [{ pairingId: ID }]);
  refuses(t.PairJoinRequest, [{}, { pairingId: 'x' }, { pairingId: ID, sneaky: 1 }]);

  const desktop = { ip: '203.0.113.7', createdAt: TIME };
  const full = {
    ok: true,
    desktop,
    sameNetwork: false,
    reverseCode: '012789',
    purpose: 'add-passkey',
    challengeHash: HASH,
    expiresAt: TIME,
  };
  const bare = { ok: true, desktop, sameNetwork: true, expiresAt: TIME };
  accepts(t.PairJoinAck, [
    full,
    bare,
    { ...full, desktop: { ip: 'i'.repeat(64), createdAt: 't'.repeat(40) } },
    { ok: false, error },
  ]);
  const without = (key: string) =>
    Object.fromEntries(Object.entries(full).filter(([k]) => k !== key));
  refuses(t.PairJoinAck, [
    without('desktop'),
    without('sameNetwork'),
    without('expiresAt'),
    { ...full, extra: 1 },
    { ...full, desktop: { ...desktop, ua: 'x' } },
    { ...full, desktop: { ip: 'i'.repeat(65), createdAt: TIME } },
    { ...full, desktop: { ip: desktop.ip, createdAt: 't'.repeat(41) } },
    { ...full, desktop: { ip: desktop.ip } },
    { ...full, sameNetwork: 'yes' },
    { ...full, reverseCode: '12345' },
    { ...full, reverseCode: '1234567' },
    { ...full, reverseCode: 'x123456' },
    { ...full, reverseCode: '123456x' },
    { ...full, reverseCode: '12345a' },
    { ...full, purpose: 'log-in' },
    { ...full, challengeHash: HASH.slice(1) },
    { ...full, challengeHash: HASH + 'A' },
    { ...full, challengeHash: '!' + HASH },
    { ...full, challengeHash: HASH + '!' },
    { ...full, challengeHash: HASH.slice(1) + '=' },
    { ...full, expiresAt: 't'.repeat(41) },
    { ok: false, desktop, sameNetwork: true, expiresAt: TIME },
  ]);
});

test('pair:joined tells the desktop a device name of at most 80 characters, no more fields', async () => {
  const { PairJoined, JoinedPhone } = await fresh();
  const ev = {
    pairingId: ID,
    phone: { device: 'Chrome on Android' },
    sameNetwork: true,
    expiresAt: TIME,
  };
  accepts(PairJoined, [
    ev,
    { ...ev, phone: { device: 'd'.repeat(80) }, expiresAt: 't'.repeat(40) },
  ]);
  refuses(PairJoined, [
    { ...ev, phone: { device: 'd'.repeat(81) } },
    { ...ev, phone: { device: 'x', ip: '127.0.0.1' } },
    { ...ev, ip: '127.0.0.1' },
    { ...ev, pairingId: 'x' },
    { ...ev, sameNetwork: undefined },
    { ...ev, expiresAt: 't'.repeat(41) },
    { pairingId: ID, sameNetwork: true, expiresAt: TIME },
  ]);
  refuses(JoinedPhone, [{}, { device: 1 }]);
});

test('pair:msg: 1 to 16,384 base64url characters for one pairing id', async () => {
  const { PairMsg } = await fresh();
  accepts(PairMsg, [
    { pairingId: ID, data: 'A' },
    { pairingId: ID, data: 'AZaz09_-' },
    { pairingId: ID, data: 'A'.repeat(16_384) },
  ]);
  refuses(PairMsg, [
    { pairingId: ID, data: '' },
    { pairingId: ID, data: 'A'.repeat(16_385) },
    { pairingId: ID, data: 'AB+C' },
    { pairingId: ID, data: 'ABC=' },
    { pairingId: ID, data: '=ABC' },
    { pairingId: ID, data: 'A B' },
    { pairingId: 'x', data: 'AAAA' },
    { pairingId: ID },
    { pairingId: ID, data: 'AAAA', extra: 1 },
  ]);
  const refused = PairMsg.safeParse({ pairingId: ID, data: 'a+b' });
  assert.ok(!refused.success);
  assert.equal(refused.error.issues[0]?.message, 'expected base64url');
});

test('pair:cancel takes an optional known reason; pair:complete and pair:closed one id each', async () => {
  const t = await fresh();
  accepts(t.PairCancel, [{ pairingId: ID }, { pairingId: ID, reason: 'channel-error' }]);
  refuses(t.PairCancel, [
    { pairingId: ID, reason: 'abuse' },
    { pairingId: ID, reason: '' },
    { pairingId: 'x' },
    { pairingId: ID, extra: 1 },
  ]);
  accepts(t.PairComplete, [{ pairingId: ID }]);
  refuses(t.PairComplete, [{}, { pairingId: ID, reason: 'cancelled' }]);
  accepts(t.PairClosed, [{ pairingId: ID, reason: 'peer-left' }]);
  refuses(t.PairClosed, [
    { pairingId: ID },
    { pairingId: ID, reason: 'gone' },
    { pairingId: ID, reason: 'abuse', extra: 1 },
  ]);
});

test('a request names its app and device in 1 to 80 and 1 to 120 characters, spaces trimmed', async () => {
  const { RequestDisplay } = await fresh();
  accepts(RequestDisplay, [
    { app: 'a', device: 'd' },
    { app: 'a'.repeat(80), device: 'd'.repeat(120) },
    { app: `  ${'a'.repeat(80)}  `, device: ` ${'d'.repeat(120)} ` },
  ]);
  const trimmed = RequestDisplay.safeParse({ app: '  Keybridge  ', device: '\tlaptop\n' });
  assert.ok(trimmed.success);
  assert.deepEqual(trimmed.data, { app: 'Keybridge', device: 'laptop' });
  refuses(RequestDisplay, [
    { app: '', device: 'd' },
    { app: '   ', device: 'd' },
    { app: 'a', device: '' },
    { app: 'a', device: '  ' },
    { app: 'a'.repeat(81), device: 'd' },
    { app: 'a', device: 'd'.repeat(121) },
    { app: 'a' },
    { app: 'a', device: 'd', extra: 1 },
  ]);
});

const display = { app: 'Keybridge', device: 'laptop' };
const challenge = 'c'.repeat(16);
const get = { type: 'request', kind: 'get', options: { challenge, rpId: 'x' }, display };
const create = {
  type: 'request',
  kind: 'create',
  options: {
    challenge,
    rp: { name: 'r'.repeat(200), id: 'x' },
    user: { id: 'i'.repeat(128), name: 'n'.repeat(254), displayName: 'x' },
    pubKeyCredParams: [],
  },
  display,
};
const hello = { type: 'hello', v: 1 };
const approved = { type: 'approved' };
const reject = { type: 'reject', reason: 'passkey-failed', detail: 'd'.repeat(200) };
const done = { type: 'done', ok: true, accountHint: 'h'.repeat(254), error: 'e'.repeat(200) };

test('a request is a get or a create with WebAuthn options of a 16 to 1024 character challenge', async () => {
  const { RequestMessage } = await fresh();
  accepts(RequestMessage, [
    get,
    create,
    { ...get, options: { challenge: 'c'.repeat(1024) } },
    { ...create, kind: 'create' },
  ]);
  refuses(RequestMessage, [
    { ...get, options: { challenge: 'c'.repeat(15) } },
    { ...get, options: { challenge: 'c'.repeat(1025) } },
    { ...get, options: {} },
    { ...get, type: 'requests' },
    { ...get, type: '' },
    { ...get, kind: 'sign' },
    { ...get, kind: '' },
    { ...get, display: { app: 'a' } },
    { ...get, extra: 1 },
    { type: 'request', kind: 'get', options: get.options },
    // A create must say who registers where; the bounds keep a hostile desktop's strings short.
    { ...create, options: { challenge } },
    { ...create, options: { ...create.options, rp: { name: 'r'.repeat(201) } } },
    { ...create, options: { ...create.options, user: { id: 'i'.repeat(129), name: 'n' } } },
    { ...create, options: { ...create.options, user: { id: 'i', name: 'n'.repeat(255) } } },
    { ...create, options: { ...create.options, user: { name: 'n' } } },
    { ...create, options: { ...create.options, rp: {} } },
    { ...create, kind: 'get', options: { challenge: 'c'.repeat(15) } },
  ]);
});

test('hello, approved, reject and done: each its own type word and fields, nothing else', async () => {
  const t = await fresh();
  accepts(t.HelloMessage, [hello]);
  refuses(t.HelloMessage, [
    { type: 'hello', v: 2 },
    { type: 'hallo', v: 1 },
    { type: '', v: 1 },
    { ...hello, x: 1 },
  ]);
  accepts(t.ApprovedMessage, [approved]);
  refuses(t.ApprovedMessage, [{ type: 'approve' }, { type: '' }, { ...approved, response: {} }]);
  accepts(t.RejectMessage, [reject, { type: 'reject', reason: 'denied' }]);
  refuses(t.RejectMessage, [
    { ...reject, detail: 'd'.repeat(201) },
    { ...reject, reason: 'bored' },
    { ...reject, type: 'rejected' },
    { ...reject, type: '' },
    { type: 'reject' },
    { ...reject, extra: 1 },
  ]);
  accepts(t.DoneMessage, [done, { type: 'done', ok: false }]);
  refuses(t.DoneMessage, [
    { ...done, accountHint: 'h'.repeat(255) },
    { ...done, error: 'e'.repeat(201) },
    { ...done, type: 'finished' },
    { ...done, type: '' },
    { type: 'done' },
    { ...done, ok: 'true' },
    { ...done, extra: 1 },
  ]);
});

test('each side accepts only what the other side may send; the channel accepts any of them', async () => {
  const t = await fresh();
  const fromPhone = [hello, approved, reject];
  const fromDesktop = [get, create, done];
  accepts(t.PhoneToDesktop, fromPhone);
  refuses(t.PhoneToDesktop, fromDesktop);
  accepts(t.DesktopToPhone, fromDesktop);
  refuses(t.DesktopToPhone, fromPhone);
  accepts(t.ChannelMessage, [...fromPhone, ...fromDesktop]);
  refuses(t.ChannelMessage, [{}, { type: 'other' }, { type: '' }, null]);
});

test('challengeHash is the base64url SHA-256 of the challenge, unpadded', async () => {
  const { challengeHash } = await fresh();
  // A digest whose base64 has '+', '/' and padding, so each of the three rewrites matters.
  const challenge = 'challenge-0';
  assert.equal(
    createHash('sha256').update(challenge).digest('base64'),
    'BBFcs+FRXe8fJtuGr/i/YrM+VoFbOLQqJax5gkt7TOE=',
  );
  assert.equal(await challengeHash(challenge), 'BBFcs-FRXe8fJtuGr_i_YrM-VoFbOLQqJax5gkt7TOE');
  // UTF-8 bytes, not UTF-16 code units.
  assert.equal(
    await challengeHash('ü€'),
    createHash('sha256').update('ü€', 'utf8').digest('base64url'),
  );
});
