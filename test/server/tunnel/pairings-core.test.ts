/**
 * The relay's pairings core (server/tunnel/pairings.ts) without sockets: the memory pairing
 * store, a hand-moved clock and the real attempt link, each step answered with its typed
 * outcome. The socket gateway over it is covered in relay.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { fromBase64Url, generateDesktopKeys } from '../../../server/protocol/channel';
import { derivePairingId } from '../../../server/protocol/pairing-id';
import { compressedKey } from '../../../server/protocol/qr-link';
import { createPairingLink } from '../../../server/tunnel/attempt-link';
import { defaultTunnelLimits, type TunnelLimits } from '../../../server/tunnel/limits';
import { MemoryPairingStore } from '../../../server/tunnel/pairing-store';
import { createPairings } from '../../../server/tunnel/pairings';

const CHALLENGE = 'c'.repeat(43);

function core(limits: Partial<TunnelLimits> = {}) {
  let t = 1_000_000;
  const now = () => t;
  const store = new MemoryPairingStore({ tombstoneMs: 60_000, maxTombstones: 100, now });
  const issued: string[] = [];
  const link = createPairingLink({
    pairings: store,
    issueReverseCode: (kind, attemptId) => (issued.push(`${kind}:${attemptId}`), '482913'),
    now,
  });
  const pairings = createPairings({
    store,
    link,
    limits: { ...defaultTunnelLimits, ...limits },
    now,
  });
  return { pairings, link, store, issued, advance: (ms: number) => (t += ms), now };
}

const desktop = { socketId: 'desk', ip: '127.0.0.2' };
const phone = {
  socketId: 'phone',
  ip: '127.0.0.1',
  userAgent: 'Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile Safari/537.36',
};

test('create -> link -> claim -> admit: the phone hears the purpose, the hash and the code', async () => {
  const c = core();
  const created = await c.pairings.create(desktop, new Set());
  assert.ok(created.ok);
  const id = created.pairing.id;
  assert.equal(created.pairing.expiresAt, c.now() + defaultTunnelLimits.unscannedMs);
  assert.equal(
    await c.link.linkAttempt(id, { kind: 'sign-in', attemptId: 'att_1', challenge: CHALLENGE }),
    true,
  );
  assert.equal(await c.link.linkedAttempt(id), null, 'not scanned yet');
  const claim = await c.pairings.claim(phone, id, new Set());
  assert.ok(claim.ok);
  const admitted = await c.pairings.admit(claim.pairing, phone);
  assert.ok(admitted.ok);
  assert.equal(admitted.ack.sameNetwork, false);
  assert.equal(admitted.ack.reverseCode, '482913');
  assert.equal(admitted.ack.purpose, 'sign-in');
  assert.match(admitted.ack.challengeHash ?? '', /^[A-Za-z0-9_-]{43}$/);
  assert.equal(admitted.to, 'desk');
  assert.deepEqual(admitted.joined.phone, { device: 'Chrome on Android' });
  assert.equal(JSON.stringify(admitted.joined).includes('127.0.0.1'), false);
  assert.deepEqual(c.issued, ['sign-in:att_1']);
  assert.deepEqual(await c.link.linkedAttempt(id), { kind: 'sign-in', attemptId: 'att_1' });
});

test('v2: the id is derived from the desktop key; a key seen before or not a key gets no pairing', async () => {
  const c = core();
  const key = compressedKey((await generateDesktopKeys()).publicKey);
  const created = await c.pairings.create({ ...desktop, key }, new Set());
  assert.ok(created.ok);
  assert.equal(created.pairing.id, await derivePairingId(fromBase64Url(key)));
  // The relay's node:crypto path and the phone's WebCrypto one agree, key after key.
  for (let i = 0; i < 50; i++) {
    const k = compressedKey((await generateDesktopKeys()).publicKey);
    const made = await c.pairings.create({ ...desktop, socketId: `d${i}`, key: k }, new Set());
    assert.ok(made.ok);
    assert.equal(made.pairing.id, await derivePairingId(fromBase64Url(k)));
  }
  // The same key again, open or closed (a replayed create cannot take over or revive an id).
  assert.deepEqual(await c.pairings.create({ ...desktop, key }, new Set()), {
    ok: false,
    code: 'invalid',
  });
  await c.pairings.close(created.pairing.id, 'cancelled');
  assert.deepEqual(await c.pairings.create({ ...desktop, socketId: 'other', key }, new Set()), {
    ok: false,
    code: 'invalid',
  });
  // 33 bytes that do not start like a compressed point.
  const bad = Buffer.from(fromBase64Url(key));
  bad[0] = 0x04;
  assert.deepEqual(
    await c.pairings.create({ ...desktop, key: bad.toString('base64url') }, new Set()),
    { ok: false, code: 'invalid' },
  );
  // Without a key (a desktop before v2): a random id, as before.
  const random = await c.pairings.create(desktop, new Set());
  assert.ok(random.ok);
  assert.match(random.pairing.id, /^[A-Za-z0-9_-]{22}$/);
});

test('same network: no reverse code is issued', async () => {
  const c = core();
  const created = await c.pairings.create({ ...desktop, ip: '127.0.0.1' }, new Set());
  assert.ok(created.ok);
  await c.link.linkAttempt(created.pairing.id, {
    kind: 'add-passkey',
    attemptId: 'reg_1',
    challenge: CHALLENGE,
  });
  const claim = await c.pairings.claim(phone, created.pairing.id, new Set());
  assert.ok(claim.ok);
  const admitted = await c.pairings.admit(claim.pairing, phone);
  assert.ok(admitted.ok && admitted.ack.sameNetwork && admitted.ack.reverseCode === undefined);
  assert.deepEqual(c.issued, []);
});

test('limits: per desktop socket, then too-many-pairings', async () => {
  const c = core({ maxPairingsPerDesktop: 2 });
  const mine = new Set<string>();
  for (let i = 0; i < 2; i++) {
    const r = await c.pairings.create(desktop, mine);
    assert.ok(r.ok);
    mine.add(r.pairing.id);
  }
  assert.deepEqual(await c.pairings.create(desktop, mine), {
    ok: false,
    code: 'too-many-pairings',
  });
  // One of them closed (on any process): room again.
  const [first] = [...mine];
  assert.ok(first);
  await c.pairings.close(first, 'cancelled');
  assert.ok((await c.pairings.create(desktop, mine)).ok);
});

test('claims: a second phone, an unknown id, an expired pairing (closed, its desktop told)', async () => {
  const c = core();
  const a = await c.pairings.create(desktop, new Set());
  assert.ok(a.ok);
  assert.ok((await c.pairings.claim(phone, a.pairing.id, new Set())).ok);
  const again = await c.pairings.claim({ ...phone, socketId: 'other' }, a.pairing.id, new Set());
  assert.deepEqual(again, { ok: false, code: 'already-joined', closed: null });
  const unknown = await c.pairings.claim(phone, 'x'.repeat(22), new Set());
  assert.equal(unknown.ok ? null : unknown.code, 'unknown');
  const b = await c.pairings.create(desktop, new Set());
  assert.ok(b.ok);
  c.advance(defaultTunnelLimits.unscannedMs + 1);
  const late = await c.pairings.claim(phone, b.pairing.id, new Set());
  assert.deepEqual(late, {
    ok: false,
    code: 'expired',
    closed: { pairingId: b.pairing.id, reason: 'expired', members: ['desk'] },
  });
  const afterwards = await c.pairings.claim(phone, b.pairing.id, new Set());
  assert.equal(afterwards.ok ? null : afterwards.code, 'expired');
});

test("route, cancel, complete: members only; complete is the desktop's", async () => {
  const c = core();
  const a = await c.pairings.create(desktop, new Set());
  assert.ok(a.ok);
  const id = a.pairing.id;
  assert.equal(await c.pairings.route(id, 'desk'), null, 'nobody to talk to yet');
  assert.ok((await c.pairings.claim(phone, id, new Set())).ok);
  assert.deepEqual(await c.pairings.route(id, 'desk'), { to: 'phone' });
  assert.deepEqual(await c.pairings.route(id, 'phone'), { to: 'desk' });
  assert.equal(await c.pairings.route(id, 'stranger'), null);
  assert.deepEqual(await c.pairings.cancel(id, 'stranger', 'cancelled'), {
    ok: false,
    code: 'unknown',
  });
  assert.deepEqual(await c.pairings.complete(id, 'phone'), { ok: false, code: 'unknown' });
  assert.deepEqual(await c.pairings.complete(id, 'desk'), {
    ok: true,
    closed: { pairingId: id, reason: 'completed', members: ['desk', 'phone'] },
  });
  assert.equal(await c.pairings.route(id, 'desk'), null, 'closed');
});

test('expiry: the store decides; a join elsewhere that extended it re-arms', async () => {
  const c = core();
  const a = await c.pairings.create(desktop, new Set());
  assert.ok(a.ok);
  assert.ok((await c.pairings.claim(phone, a.pairing.id, new Set())).ok);
  c.advance(defaultTunnelLimits.unscannedMs + 1);
  const rearm = await c.pairings.expire(a.pairing.id);
  assert.equal(rearm.kind, 'rearm');
  c.advance(defaultTunnelLimits.scannedMs);
  const closed = await c.pairings.expire(a.pairing.id);
  assert.deepEqual(closed, {
    kind: 'closed',
    closed: { pairingId: a.pairing.id, reason: 'expired', members: ['desk', 'phone'] },
  });
});

test('caps per subnet and in total; a pairing closed by another process frees its slot', async () => {
  const c = core({ maxPairingsPerIp: 2, maxOpenPairings: 3 });
  const inA = (n: number) => ({ socketId: `a${n}`, ip: `127.0.0.${n}` });
  const a1 = await c.pairings.create(inA(1), new Set());
  assert.ok(a1.ok && (await c.pairings.create(inA(2), new Set())).ok);
  assert.deepEqual(await c.pairings.create(inA(3), new Set()), {
    ok: false,
    code: 'too-many-pairings',
  });
  // Another /24 still gets one, until the node's total is reached.
  assert.ok((await c.pairings.create({ socketId: 'b1', ip: '127.0.1.1' }, new Set())).ok);
  assert.deepEqual(await c.pairings.create({ socketId: 'c1', ip: '127.0.2.1' }, new Set()), {
    ok: false,
    code: 'too-many-pairings',
  });
  // Closed straight in the store, as a scaled relay's other process would: pruned, then room.
  await c.store.close(a1.pairing.id, 'cancelled');
  assert.ok((await c.pairings.create(inA(3), new Set())).ok);
  assert.deepEqual(await c.pairings.create({ socketId: 'c1', ip: '127.0.2.1' }, new Set()), {
    ok: false,
    code: 'too-many-pairings',
  });
});
