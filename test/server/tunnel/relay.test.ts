/**
 * The relay against real socket.io clients: lifetimes, one desktop + one phone, refused joins
 * that leave the desktop alone, cancel/complete/peer-left, size and rate limits, the
 * server-vouched context and the reverse code for a desktop on another address.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { startRelay } from './support/relay-harness';

const PHONE_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36';
const CHALLENGE = 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6';
const signIn = (attemptId: string, challenge = CHALLENGE) =>
  ({ kind: 'sign-in', attemptId, challenge }) as const;

test('create and join on the same network: context for the phone, phone info for the desktop', async (t) => {
  // The relay's clock is ours: lifetimes are checked exactly, not against the wall clock.
  let now = Date.parse('2026-01-01T12:00:00.000Z');
  const relay = await startRelay({ now: () => now });
  t.onTestFinished(() => relay.close());
  const desktop = await relay.client();
  const phone = await relay.client({ userAgent: PHONE_UA });
  const created = await desktop.create();
  assert.equal(created.ok, true);
  if (!created.ok) return;
  assert.match(created.pairingId, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(created.expiresAt, '2026-01-01T12:01:00.000Z', 'unscanned: 60 s');

  now += 5_000; // scanned five seconds later
  const joined = await phone.join(created.pairingId);
  assert.equal(joined.ok, true);
  if (!joined.ok) return;
  assert.equal(joined.desktop.ip, '127.0.0.1');
  assert.equal(joined.desktop.createdAt, '2026-01-01T12:00:00.000Z');
  assert.equal(joined.sameNetwork, true);
  assert.equal(joined.reverseCode, undefined);
  assert.equal(joined.expiresAt, '2026-01-01T12:02:05.000Z', 'scanned: 120 s from the scan');

  const ev = await desktop.joined.next();
  assert.equal(ev.pairingId, created.pairingId);
  // A readable name only: the desktop never learns the phone's IP or raw user agent.
  assert.deepEqual(ev.phone, { device: 'Chrome on Android' });
  assert.equal(ev.sameNetwork, true);
});

test('messages go to the other side only, in order', async (t) => {
  const relay = await startRelay();
  t.onTestFinished(() => relay.close());
  const desktop = await relay.client();
  const phone = await relay.client();
  const bystander = await relay.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  await phone.join(c.pairingId);
  for (const data of ['AAAA', 'BBBB', 'CCCC'])
    phone.emitRaw('pair:msg', { pairingId: c.pairingId, data });
  desktop.emitRaw('pair:msg', { pairingId: c.pairingId, data: 'DDDD' });
  assert.deepEqual((await desktop.msgs.at(2)).data, 'CCCC');
  assert.deepEqual(
    desktop.msgs.items.map((m) => m.data),
    ['AAAA', 'BBBB', 'CCCC'],
  );
  assert.equal((await phone.msgs.at(0)).data, 'DDDD');
  // A socket outside the pairing cannot inject into it.
  bystander.emitRaw('pair:msg', { pairingId: c.pairingId, data: 'EEEE' });
  phone.emitRaw('pair:msg', { pairingId: c.pairingId, data: 'FFFF' });
  assert.equal((await desktop.msgs.at(3)).data, 'FFFF');
  assert.equal(bystander.msgs.items.length, 0);
  assert.equal(phone.msgs.items.length, 1);
});

test('a second phone is refused and the desktop is not disturbed', async (t) => {
  const relay = await startRelay();
  t.onTestFinished(() => relay.close());
  const desktop = await relay.client();
  const phone = await relay.client();
  const intruder = await relay.client({ localAddress: '127.0.0.2' });
  const c = await desktop.create();
  assert.ok(c.ok);
  assert.equal((await phone.join(c.pairingId)).ok, true);
  const second = await intruder.join(c.pairingId);
  assert.deepEqual(second.ok ? null : second.error.code, 'already-joined');
  // The pairing still works end to end, and the desktop heard of exactly one phone.
  desktop.emitRaw('pair:msg', { pairingId: c.pairingId, data: 'c3RpbGwtb2s' });
  assert.equal((await phone.msgs.next()).data, 'c3RpbGwtb2s');
  assert.equal(desktop.joined.items.length, 1);
  assert.equal(desktop.closed.items.length, 0);
  assert.equal(intruder.msgs.items.length, 0);
});

test('unknown, malformed and wrong-role requests are refused without effect', async (t) => {
  const relay = await startRelay();
  t.onTestFinished(() => relay.close());
  const desktop = await relay.client();
  const phone = await relay.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  const unknown = await phone.join('AAAAAAAAAAAAAAAAAAAAAA');
  assert.equal(unknown.ok ? null : unknown.error.code, 'unknown');
  const bad = await phone.ack<{ ok: boolean; error?: { code: string } }>('pair:join', {
    pairingId: 'x',
  });
  assert.equal(bad.error?.code, 'invalid');
  const extra = await phone.ack<{ ok: boolean; error?: { code: string } }>('pair:join', {
    pairingId: c.pairingId,
    sneaky: 1,
  });
  assert.equal(extra.error?.code, 'invalid');
  const desktopJoins = await desktop.join(c.pairingId);
  assert.equal(desktopJoins.ok ? null : desktopJoins.error.code, 'wrong-role');
  // The refused joins did not take the pairing: a real phone still can.
  assert.equal((await phone.join(c.pairingId)).ok, true);
  const phoneCreates = await phone.create();
  assert.equal(phoneCreates.ok ? null : phoneCreates.error.code, 'wrong-role');
  const phoneCompletes = await phone.ack<{ ok: boolean; error?: { code: string } }>(
    'pair:complete',
    {
      pairingId: c.pairingId,
    },
  );
  assert.equal(phoneCompletes.error?.code, 'wrong-role');
  assert.equal(desktop.closed.items.length, 0);
});

test('an unscanned pairing expires: the desktop hears it, a late phone is told "expired"', async (t) => {
  const relay = await startRelay({ limits: { unscannedMs: 150 } });
  t.onTestFinished(() => relay.close());
  const desktop = await relay.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  const closed = await desktop.closed.next();
  assert.deepEqual(closed, { pairingId: c.pairingId, reason: 'expired' });
  const phone = await relay.client();
  const late = await phone.join(c.pairingId);
  assert.equal(late.ok ? null : late.error.code, 'expired');
  assert.equal(desktop.joined.items.length, 0);
});

test('a scanned pairing expires on both ends', async (t) => {
  const relay = await startRelay({ limits: { scannedMs: 150 } });
  t.onTestFinished(() => relay.close());
  const desktop = await relay.client();
  const phone = await relay.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  assert.equal((await phone.join(c.pairingId)).ok, true);
  assert.equal((await desktop.closed.next()).reason, 'expired');
  assert.equal((await phone.closed.next()).reason, 'expired');
  assert.equal(await relay.tunnel.store.get(c.pairingId), undefined);
});

test('cancel ends the pairing on both sides; a later join hears "cancelled"', async (t) => {
  const relay = await startRelay();
  t.onTestFinished(() => relay.close());
  const desktop = await relay.client();
  const phone = await relay.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  await phone.join(c.pairingId);
  const ack = await desktop.ack<{ ok: boolean }>('pair:cancel', { pairingId: c.pairingId });
  assert.equal(ack.ok, true);
  assert.deepEqual(await desktop.closed.next(), { pairingId: c.pairingId, reason: 'cancelled' });
  assert.deepEqual(await phone.closed.next(), { pairingId: c.pairingId, reason: 'cancelled' });
  const other = await relay.client();
  const late = await other.join(c.pairingId);
  assert.equal(late.ok ? null : late.error.code, 'cancelled');
  // Messages after the close go nowhere.
  phone.emitRaw('pair:msg', { pairingId: c.pairingId, data: 'AAAA' });
  const c2 = await desktop.create(); // a round trip on the same socket orders after the msg
  assert.ok(c2.ok);
  assert.equal(desktop.msgs.items.length, 0);
});

test('the phone denies: both sides hear "denied"', async (t) => {
  const relay = await startRelay();
  t.onTestFinished(() => relay.close());
  const desktop = await relay.client();
  const phone = await relay.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  await phone.join(c.pairingId);
  phone.emitRaw('pair:cancel', { pairingId: c.pairingId, reason: 'denied' });
  assert.equal((await desktop.closed.next()).reason, 'denied');
  assert.equal((await phone.closed.next()).reason, 'denied');
});

test('complete closes both as completed; the link cannot be used again', async (t) => {
  const relay = await startRelay();
  t.onTestFinished(() => relay.close());
  const desktop = await relay.client();
  const phone = await relay.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  await phone.join(c.pairingId);
  assert.equal(
    (await desktop.ack<{ ok: boolean }>('pair:complete', { pairingId: c.pairingId })).ok,
    true,
  );
  assert.equal((await phone.closed.next()).reason, 'completed');
  assert.equal((await desktop.closed.next()).reason, 'completed');
  const again = await (await relay.client()).join(c.pairingId);
  assert.equal(again.ok ? null : again.error.code, 'completed');
});

test('a side that disconnects: the other hears peer-left', async (t) => {
  const relay = await startRelay();
  t.onTestFinished(() => relay.close());
  const desktop = await relay.client();
  const phone = await relay.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  await phone.join(c.pairingId);
  phone.close();
  assert.deepEqual(await desktop.closed.next(), { pairingId: c.pairingId, reason: 'peer-left' });

  const c2 = await desktop.create();
  assert.ok(c2.ok);
  const phone2 = await relay.client();
  await phone2.join(c2.pairingId);
  desktop.close();
  assert.deepEqual(await phone2.closed.next(), { pairingId: c2.pairingId, reason: 'peer-left' });
});

test('size limit: 16 KiB passes, one more character closes the pairing as abuse', async (t) => {
  const relay = await startRelay();
  t.onTestFinished(() => relay.close());
  const desktop = await relay.client();
  const phone = await relay.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  await phone.join(c.pairingId);
  const max = 'A'.repeat(16 * 1024);
  phone.emitRaw('pair:msg', { pairingId: c.pairingId, data: max });
  assert.equal((await desktop.msgs.next()).data.length, 16 * 1024);
  phone.emitRaw('pair:msg', { pairingId: c.pairingId, data: max + 'A' });
  assert.equal((await desktop.closed.next()).reason, 'abuse');
  assert.equal(await phone.disconnected, 'io server disconnect');
  assert.equal(desktop.msgs.items.length, 1);
});

test('rate limit: a flood of messages closes the pairing and the connection', async (t) => {
  const relay = await startRelay();
  t.onTestFinished(() => relay.close());
  const desktop = await relay.client();
  const phone = await relay.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  await phone.join(c.pairingId);
  for (let i = 0; i < 100; i++) phone.emitRaw('pair:msg', { pairingId: c.pairingId, data: 'QUJD' });
  assert.equal((await desktop.closed.next()).reason, 'abuse');
  assert.equal(await phone.disconnected, 'io server disconnect');
  // The burst allowance (20 events, one used by the join) is all that got through.
  assert.ok(desktop.msgs.items.length < 25, `relayed ${desktop.msgs.items.length}`);
});

test('one desktop connection can hold only a few open pairings', async (t) => {
  const relay = await startRelay({ limits: { maxPairingsPerDesktop: 2 } });
  t.onTestFinished(() => relay.close());
  const desktop = await relay.client();
  assert.ok((await desktop.create()).ok);
  assert.ok((await desktop.create()).ok);
  const third = await desktop.create();
  assert.equal(third.ok ? null : third.error.code, 'too-many-pairings');
});

test('different network: desktop on 127.0.0.2 -> sameNetwork false, the code goes to the phone only', async (t) => {
  const issued: string[] = [];
  const relay = await startRelay({
    issueReverseCode: (kind, attemptId) => {
      issued.push(`${kind}:${attemptId}`);
      return '482913';
    },
  });
  t.onTestFinished(() => relay.close());
  const desktop = await relay.client({ localAddress: '127.0.0.2' });
  const phone = await relay.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  assert.equal(
    await relay.tunnel.pairingLink.linkAttempt(c.pairingId, signIn('attempt-123456')),
    true,
  );
  const joined = await phone.join(c.pairingId);
  assert.ok(joined.ok);
  assert.equal(joined.desktop.ip, '127.0.0.2');
  assert.equal(joined.sameNetwork, false);
  assert.equal(joined.reverseCode, '482913');
  assert.equal(joined.purpose, 'sign-in');
  assert.deepEqual(issued, ['sign-in:attempt-123456']);
  const ev = await desktop.joined.next();
  assert.equal(ev.sameNetwork, false);
  assert.equal(JSON.stringify(ev).includes('127.0.0.1'), false, 'no phone IP for the desktop');
  // The code travelled once: in the phone's join ack, nowhere else.
  const carrying = relay.observed.filter((o) => JSON.stringify(o.payload).includes('482913'));
  assert.deepEqual(
    carrying.map((o) => [o.direction, o.event, o.socketId === phone.socket.id]),
    [['out', 'pair:join:ack', true]],
  );
});

test('same network with a linked attempt: no code is issued', async (t) => {
  const issued: string[] = [];
  const relay = await startRelay({ issueReverseCode: (_k, a) => (issued.push(a), '111111') });
  t.onTestFinished(() => relay.close());
  const desktop = await relay.client();
  const phone = await relay.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  assert.equal(await relay.tunnel.pairingLink.linkAttempt(c.pairingId, signIn('attempt-1')), true);
  const joined = await phone.join(c.pairingId);
  assert.ok(joined.ok && joined.sameNetwork && joined.reverseCode === undefined);
  assert.deepEqual(issued, []);
});

test('add-passkey pairing across networks: the registration store is asked for the code, the phone hears the purpose', async (t) => {
  const issued: string[] = [];
  const relay = await startRelay({
    issueReverseCode: (kind, a) => (issued.push(`${kind}:${a}`), '123456'),
  });
  t.onTestFinished(() => relay.close());
  const desktop = await relay.client({ localAddress: '127.0.0.2' });
  const phone = await relay.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  const linked = await relay.tunnel.pairingLink.linkAttempt(c.pairingId, {
    kind: 'add-passkey',
    attemptId: 'reg-attempt-1',
    challenge: CHALLENGE,
  });
  assert.equal(linked, true);
  const joined = await phone.join(c.pairingId);
  assert.ok(joined.ok);
  assert.equal(joined.purpose, 'add-passkey');
  assert.equal(joined.reverseCode, '123456');
  assert.deepEqual(issued, ['add-passkey:reg-attempt-1']);
});

test('linkAttempt: only an open, unscanned pairing, one attempt, and the challenge hash reaches the phone', async (t) => {
  const relay = await startRelay();
  t.onTestFinished(() => relay.close());
  const link = relay.tunnel.pairingLink;
  assert.equal(await link.linkAttempt('AAAAAAAAAAAAAAAAAAAAAA', signIn('attempt-1')), false);
  const desktop = await relay.client();
  const phone = await relay.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  const challenge = CHALLENGE;
  assert.equal(await link.linkAttempt(c.pairingId, signIn('attempt-1', challenge)), true);
  assert.equal(await link.linkAttempt(c.pairingId, signIn('attempt-2')), false, 'another attempt');
  assert.equal(await link.linkedAttempt(c.pairingId), null, 'not before a phone joined');
  const joined = await phone.join(c.pairingId);
  assert.ok(joined.ok);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(challenge));
  assert.equal(joined.challengeHash, Buffer.from(digest).toString('base64url'));
  assert.deepEqual(await link.linkedAttempt(c.pairingId), {
    kind: 'sign-in',
    attemptId: 'attempt-1',
  });
  assert.equal(await link.linkAttempt(c.pairingId, signIn('attempt-1')), false, 'after the scan');
});

test('a failing reverse-code issuer closes the pairing rather than letting the phone go on', async (t) => {
  const relay = await startRelay({
    issueReverseCode: () => {
      throw new Error('attempt gone');
    },
  });
  t.onTestFinished(() => relay.close());
  const desktop = await relay.client({ localAddress: '127.0.0.2' });
  const phone = await relay.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  await relay.tunnel.pairingLink.linkAttempt(c.pairingId, signIn('attempt-1'));
  const joined = await phone.join(c.pairingId);
  assert.equal(joined.ok ? null : joined.error.code, 'cancelled');
  assert.equal((await desktop.closed.next()).reason, 'cancelled');
});

test('shutdown closes open pairings for both sides', async (t) => {
  const relay = await startRelay();
  let closedRelay = false;
  t.onTestFinished(() => (closedRelay ? undefined : relay.close()));
  const desktop = await relay.client();
  const phone = await relay.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  await phone.join(c.pairingId);
  const tunnelClosed = relay.tunnel.close();
  assert.equal((await desktop.closed.next()).reason, 'shutdown');
  assert.equal((await phone.closed.next()).reason, 'shutdown');
  await tunnelClosed;
  await relay.close();
  closedRelay = true;
});

test('open pairings are capped per client address across connections, and freed on close', async (t) => {
  const relay = await startRelay({ limits: { maxPairingsPerIp: 2 } });
  t.onTestFinished(() => relay.close());
  const a = await relay.client();
  const b = await relay.client();
  const first = await a.create();
  assert.ok(first.ok);
  assert.ok((await b.create()).ok);
  const third = await b.create();
  assert.equal(third.ok ? null : third.error.code, 'too-many-pairings');
  // Another subnet is not affected (127.0.0.2 shares 127.0.0.0/24 and its count).
  const other = await relay.client({ localAddress: '127.0.1.2' });
  assert.ok((await other.create()).ok);
  // Closing one frees a slot.
  await a.ack('pair:cancel', { pairingId: first.pairingId });
  assert.ok((await b.create()).ok);
});

test('a flood of unknown events is rate limited too', async (t) => {
  const relay = await startRelay();
  t.onTestFinished(() => relay.close());
  const desktop = await relay.client();
  const c = await desktop.create();
  assert.ok(c.ok);
  for (let i = 0; i < 100; i++) desktop.emitRaw('nonsense', { i });
  assert.equal((await desktop.closed.next()).reason, 'abuse');
  assert.equal(await desktop.disconnected, 'io server disconnect');
});
