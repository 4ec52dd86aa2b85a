/**
 * The relay's pairing rules (server/tunnel/pairings.ts) without sockets, each as the rule a
 * wrong change would break: caps cost nothing below them, only a compressed key makes an id, a
 * phone holds one pairing, a late phone hears why a pairing ended, the server's network verdict
 * and REVERSE_CODE=always decide the code, only members route, cancel and complete, and the
 * store's expiry is exact. Over the memory store and a hand-moved clock; no timers, no sockets.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import type { ClosedReason } from '../../../server/protocol/tunnel';
import { createPairingLink, type ReverseCodeIssuer } from '../../../server/tunnel/attempt-link';
import { defaultTunnelLimits, type TunnelLimits } from '../../../server/tunnel/limits';
import { MemoryPairingStore } from '../../../server/tunnel/pairing-store';
import { createPairings } from '../../../server/tunnel/pairings';

const CHALLENGE = 'c'.repeat(43);

/** The memory store, counting the look-ups a step makes. */
class CountingStore extends MemoryPairingStore {
  lookups = 0;
  override async get(id: string) {
    this.lookups++;
    return super.get(id);
  }
  override async closedReason(id: string) {
    this.lookups++;
    return super.closedReason(id);
  }
}

function core(
  opts: {
    limits?: Partial<TunnelLimits>;
    sameNetwork?: (a: string, b: string) => boolean;
    alwaysAskCode?: boolean;
    issue?: ReverseCodeIssuer;
  } = {},
) {
  let t = 1_000_000;
  const now = () => t;
  const store = new CountingStore({ tombstoneMs: 60_000, maxTombstones: 100, now });
  const issued: string[] = [];
  const link = createPairingLink({
    pairings: store,
    issueReverseCode: opts.issue ?? ((kind, id) => (issued.push(`${kind}:${id}`), '482913')),
    now,
  });
  const pairings = createPairings({
    store,
    link,
    limits: { ...defaultTunnelLimits, ...opts.limits },
    now,
    sameNetwork: opts.sameNetwork,
    alwaysAskCode: opts.alwaysAskCode,
  });
  return { pairings, link, store, issued, advance: (ms: number) => (t += ms), now };
}

const desktop = { socketId: 'desk', ip: '127.0.0.2' };
const phone = { socketId: 'phone', ip: '127.0.0.1', userAgent: 'curl/8' };

async function open(c: ReturnType<typeof core>, d = desktop) {
  const r = await c.pairings.create(d, new Set());
  assert.ok(r.ok);
  return r.pairing;
}

/** A 33-byte key with this first byte, base64url. */
const keyStarting = (first: number, length = 33) => {
  const bytes = new Uint8Array(length).fill(7);
  bytes[0] = first;
  return Buffer.from(bytes).toString('base64url');
};

test('below every cap a create looks up only its own new id; a close here frees its slot', async () => {
  const c = core({ limits: { maxPairingsPerDesktop: 3, maxPairingsPerIp: 3, maxOpenPairings: 3 } });
  const mine = new Set<string>();
  const create = async (key?: string) => {
    c.store.lookups = 0;
    const r = await c.pairings.create({ ...desktop, ...(key ? { key } : {}) }, mine);
    assert.ok(r.ok);
    mine.add(r.pairing.id);
    return r.pairing.id;
  };
  for (const key of [keyStarting(0x02), keyStarting(0x03), undefined]) {
    await create(key);
    // The id check (open under that id? closed under it?) and nothing else.
    assert.equal(c.store.lookups, 2);
  }
  // At all three caps now: one closed through this process frees its slot without pruning.
  const [first] = mine;
  await c.pairings.close(first!, 'cancelled');
  mine.delete(first!);
  await create();
  assert.equal(c.store.lookups, 2);
});

test('each cap is reached at its number exactly, even with the others far away', async () => {
  const c1 = core({ limits: { maxPairingsPerDesktop: 2 } });
  // `mine` names two ids the store does not know (closed and forgotten): pruned, so there is room.
  const mine = new Set(['D'.repeat(22), 'E'.repeat(22)]);
  assert.ok((await c1.pairings.create(desktop, mine)).ok);
  assert.equal(mine.size, 0);

  const c2 = core({ limits: { maxPairingsPerIp: 1 } });
  await open(c2);
  assert.deepEqual(await c2.pairings.create({ socketId: 'd2', ip: '127.0.0.9' }, new Set()), {
    ok: false,
    code: 'too-many-pairings',
  });

  const c3 = core({ limits: { maxOpenPairings: 1 } });
  await open(c3);
  assert.deepEqual(await c3.pairings.create({ socketId: 'd2', ip: '10.9.9.9' }, new Set()), {
    ok: false,
    code: 'too-many-pairings',
  });
});

test('only a 33-byte key starting 0x02 or 0x03 makes an id; anything else is invalid, not a crash', async () => {
  const c = core();
  const even = await c.pairings.create({ ...desktop, key: keyStarting(0x02) }, new Set());
  const odd = await c.pairings.create({ ...desktop, key: keyStarting(0x03) }, new Set());
  assert.ok(even.ok && odd.ok);
  assert.notEqual(even.pairing.id, odd.pairing.id);
  assert.match(even.pairing.id, /^[A-Za-z0-9_-]{22}$/);
  for (const key of [
    keyStarting(0x04),
    keyStarting(0x00),
    keyStarting(0x02, 32),
    keyStarting(0x02, 34),
    keyStarting(0x03, 65),
  ]) {
    assert.deepEqual(await c.pairings.create({ ...desktop, key }, new Set()), {
      ok: false,
      code: 'invalid',
    });
  }
});

test('a random id is 22 base64url characters and new each time', async () => {
  const c = core();
  const ids = new Set<string>();
  for (let i = 0; i < 20; i++) ids.add((await open(c)).id);
  assert.equal(ids.size, 20);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{22}$/);
});

test('a phone holds one open pairing; once that one closed, even elsewhere, it may join another', async () => {
  const c = core();
  const a = await open(c);
  const b = await open(c, { socketId: 'desk2', ip: '127.0.0.3' });
  const mine = new Set<string>();
  const first = await c.pairings.claim(phone, a.id, mine);
  assert.ok(first.ok);
  mine.add(a.id);
  assert.deepEqual(await c.pairings.claim(phone, b.id, mine), {
    ok: false,
    code: 'too-many-pairings',
  });
  assert.equal((await c.store.get(b.id))?.phone, undefined, 'the refused claim took nothing');
  // Closed straight in the store, as another relay process would: the phone's set still names it.
  await c.store.close(a.id, 'cancelled');
  const second = await c.pairings.claim(phone, b.id, mine);
  assert.ok(second.ok);
  assert.equal(second.pairing.phone?.socketId, 'phone');
  assert.equal(mine.size, 0);
});

test('a late phone hears why the pairing ended: completed, expired, or else cancelled', async () => {
  const reasons: [ClosedReason, string][] = [
    ['completed', 'completed'],
    ['expired', 'expired'],
    ['cancelled', 'cancelled'],
    ['denied', 'cancelled'],
    ['channel-error', 'cancelled'],
    ['peer-left', 'cancelled'],
    ['abuse', 'cancelled'],
    ['shutdown', 'cancelled'],
  ];
  const c = core();
  for (const [reason, code] of reasons) {
    const p = await open(c);
    await c.pairings.close(p.id, reason);
    assert.deepEqual(await c.pairings.claim(phone, p.id, new Set()), {
      ok: false,
      code,
      closed: null,
    });
  }
  assert.deepEqual(await c.pairings.claim(phone, 'A'.repeat(22), new Set()), {
    ok: false,
    code: 'unknown',
    closed: null,
  });
});

test('the phone gets a scanned lifetime from its join; the exact expiry instant is already expired', async () => {
  const c = core();
  const p = await open(c);
  c.advance(10_000);
  const claim = await c.pairings.claim(phone, p.id, new Set());
  assert.ok(claim.ok);
  assert.equal(claim.pairing.expiresAt, c.now() + defaultTunnelLimits.scannedMs);
  assert.equal(claim.pairing.phone?.joinedAt, c.now());
  c.advance(defaultTunnelLimits.scannedMs - 1);
  assert.deepEqual(await c.pairings.expire(p.id), { kind: 'rearm', at: claim.pairing.expiresAt });
  c.advance(1);
  assert.deepEqual(await c.pairings.expire(p.id), {
    kind: 'closed',
    closed: { pairingId: p.id, reason: 'expired', members: ['desk', 'phone'] },
  });
  // Already gone: nothing to announce, nothing thrown.
  assert.deepEqual(await c.pairings.expire(p.id), { kind: 'closed', closed: null });
  assert.equal(await c.pairings.close(p.id, 'cancelled'), null);
  assert.deepEqual(await c.pairings.expire('B'.repeat(22)), { kind: 'closed', closed: null });

  const q = await open(c);
  c.advance(defaultTunnelLimits.unscannedMs);
  const late = await c.pairings.claim(phone, q.id, new Set());
  assert.equal(late.ok ? null : late.code, 'expired');
});

test("the server's network verdict decides the code, not address equality", async () => {
  const vouch = core({ sameNetwork: () => true });
  const p = await open(vouch);
  await vouch.link.linkAttempt(p.id, { kind: 'sign-in', attemptId: 'a1', challenge: CHALLENGE });
  const claim = await vouch.pairings.claim(phone, p.id, new Set());
  assert.ok(claim.ok);
  const admitted = await vouch.pairings.admit(claim.pairing, phone);
  assert.ok(admitted.ok);
  assert.equal(admitted.ack.sameNetwork, true);
  assert.equal('reverseCode' in admitted.ack, false);
  assert.equal(admitted.joined.sameNetwork, true);
  assert.deepEqual(vouch.issued, []);

  const doubt = core({ sameNetwork: () => false });
  const q = await open(doubt, { socketId: 'desk', ip: phone.ip });
  await doubt.link.linkAttempt(q.id, { kind: 'step-up', attemptId: 's1', challenge: CHALLENGE });
  const claim2 = await doubt.pairings.claim(phone, q.id, new Set());
  assert.ok(claim2.ok);
  const admitted2 = await doubt.pairings.admit(claim2.pairing, phone);
  assert.ok(admitted2.ok);
  assert.equal(admitted2.ack.sameNetwork, false);
  assert.equal(admitted2.ack.reverseCode, '482913');
  assert.equal(admitted2.ack.purpose, 'step-up');
  assert.deepEqual(doubt.issued, ['step-up:s1']);
});

test('REVERSE_CODE=always: a code on the same network too', async () => {
  const c = core({ alwaysAskCode: true });
  const p = await open(c, { socketId: 'desk', ip: phone.ip });
  await c.link.linkAttempt(p.id, { kind: 'sign-in', attemptId: 'a1', challenge: CHALLENGE });
  const claim = await c.pairings.claim(phone, p.id, new Set());
  assert.ok(claim.ok);
  const admitted = await c.pairings.admit(claim.pairing, phone);
  assert.ok(admitted.ok);
  assert.equal(admitted.ack.sameNetwork, true);
  assert.equal(admitted.ack.reverseCode, '482913');
});

test('an unlinked pairing: the ack holds the vouched context and nothing it has not got', async () => {
  const c = core();
  const p = await open(c, { socketId: 'desk', ip: phone.ip });
  const claim = await c.pairings.claim(phone, p.id, new Set());
  assert.ok(claim.ok);
  const admitted = await c.pairings.admit(claim.pairing, phone);
  assert.deepEqual(admitted, {
    ok: true,
    ack: {
      ok: true,
      desktop: { ip: phone.ip, createdAt: new Date(p.createdAt).toISOString() },
      sameNetwork: true,
      expiresAt: new Date(claim.pairing.expiresAt).toISOString(),
    },
    to: 'desk',
    joined: {
      pairingId: p.id,
      phone: { device: 'Unknown browser' },
      sameNetwork: true,
      expiresAt: new Date(claim.pairing.expiresAt).toISOString(),
    },
  });
});

test('a desktop that left while the code was being issued: the phone is told cancelled', async () => {
  const leaving: { close?: () => Promise<unknown> } = {};
  const c = core({
    issue: async () => {
      await leaving.close?.();
      return '111111';
    },
  });
  const p = await open(c);
  leaving.close = () => c.store.close(p.id, 'peer-left');
  await c.link.linkAttempt(p.id, { kind: 'sign-in', attemptId: 'a1', challenge: CHALLENGE });
  const claim = await c.pairings.claim(phone, p.id, new Set());
  assert.ok(claim.ok);
  assert.deepEqual(await c.pairings.admit(claim.pairing, phone), {
    ok: false,
    code: 'cancelled',
  });
});

test('route, cancel and complete: unknown ids and strangers are refused, before and after the join', async () => {
  const c = core();
  const unknown = 'C'.repeat(22);
  assert.equal(await c.pairings.route(unknown, 'desk'), null);
  assert.deepEqual(await c.pairings.cancel(unknown, 'desk', 'cancelled'), {
    ok: false,
    code: 'unknown',
  });
  assert.deepEqual(await c.pairings.complete(unknown, 'desk'), { ok: false, code: 'unknown' });
  const p = await open(c);
  // Nobody has joined: a stranger is no member, and the phone slot is empty.
  assert.deepEqual(await c.pairings.cancel(p.id, 'stranger', 'cancelled'), {
    ok: false,
    code: 'unknown',
  });
  assert.equal(await c.pairings.route(p.id, 'stranger'), null);
  assert.ok((await c.pairings.claim(phone, p.id, new Set())).ok);
  // The phone may cancel, and its reason is what both sides hear.
  assert.deepEqual(await c.pairings.cancel(p.id, 'phone', 'denied'), {
    ok: true,
    closed: { pairingId: p.id, reason: 'denied', members: ['desk', 'phone'] },
  });
  assert.equal(await c.store.closedReason(p.id), 'denied');
  // The desktop may cancel its unscanned pairing.
  const q = await open(c);
  assert.deepEqual(await c.pairings.cancel(q.id, 'desk', 'cancelled'), {
    ok: true,
    closed: { pairingId: q.id, reason: 'cancelled', members: ['desk'] },
  });
});

test('a pairing closed by another process frees its slot under each cap on its own', async () => {
  // The subnet's cap is reached, the node's total is far off.
  const bySubnet = core({ limits: { maxPairingsPerIp: 2 } });
  const a1 = await open(bySubnet, { socketId: 'a1', ip: '127.0.0.1' });
  await open(bySubnet, { socketId: 'a2', ip: '127.0.0.2' });
  await bySubnet.store.close(a1.id, 'cancelled');
  assert.ok((await bySubnet.pairings.create({ socketId: 'a3', ip: '127.0.0.3' }, new Set())).ok);
  assert.deepEqual(await bySubnet.pairings.create({ socketId: 'a4', ip: '127.0.0.4' }, new Set()), {
    ok: false,
    code: 'too-many-pairings',
  });
  // The node's total is reached, every subnet far from its cap.
  const total = core({ limits: { maxOpenPairings: 2 } });
  const b1 = await open(total, { socketId: 'b1', ip: '10.0.1.1' });
  await open(total, { socketId: 'b2', ip: '10.0.2.1' });
  await total.store.close(b1.id, 'cancelled');
  assert.ok((await total.pairings.create({ socketId: 'b3', ip: '10.0.3.1' }, new Set())).ok);
  assert.deepEqual(await total.pairings.create({ socketId: 'b4', ip: '10.0.4.1' }, new Set()), {
    ok: false,
    code: 'too-many-pairings',
  });
});
