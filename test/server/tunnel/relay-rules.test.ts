/**
 * The relay gateway's rules (server/tunnel/relay.ts) against real socket.io clients on
 * loopback, each as the rule a wrong change would break: every refusal has its own plain
 * sentence, the rate limit is exact on a still clock, a connection is closed once for abuse,
 * the size limit is the configured one, foreign origins are refused, a socket's role sticks,
 * a pairing whose other side is on another relay process still closes and expires, a desktop
 * gone mid-create leaves no open pairing, and the log names pairings by a short ref only.
 *
 * A broken relay shows up here as an event that never comes: the short test timeout turns that
 * into a failure in seconds instead of vitest's two minutes (the mutation run waits for it).
 */
import assert from 'node:assert/strict';
import type { ClosedReason } from '../../../server/protocol/tunnel';
import { Adapter } from 'socket.io-adapter';
import { Manager } from 'socket.io-client';
import { test, vi } from 'vitest';
import { MemoryPairingStore, type Pairing } from '../../../server/tunnel/pairing-store';
import type { TunnelOptions } from '../../../server/tunnel/relay';
import { startRelay, type Harness, type TestClient } from './support/relay-harness';

// Each rule's events arrive in milliseconds here (~15 ms a test). Under Stryker
// (vitest.stryker.config.ts sets KEYBRIDGE_MUTATION) every covering test runs against each
// mutant (disableBail), so a mutant that silences an event costs this timeout once per test:
// 3 s there, still 200 times a test's own time, keeps the relay's run inside CI's budget.
const limit = process.env.KEYBRIDGE_MUTATION === '1' ? 3_000 : 15_000;
vi.setConfig({ testTimeout: limit, hookTimeout: limit });

const CHALLENGE = 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6';
const ANDROID =
  'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/130.0 Mobile Safari/537.36';
type Refusal = { ok: false; error: { code: string; message: string } };
type Line = [level: 'info' | 'warn', msg: string, fields: Record<string, unknown>];

/** A logger that keeps every line. */
function recorder() {
  const lines: Line[] = [];
  return {
    lines,
    logger: {
      info: (fields: object, msg?: string) => lines.push(['info', msg ?? '', { ...fields }]),
      warn: (fields: object, msg?: string) => lines.push(['warn', msg ?? '', { ...fields }]),
    },
  };
}

async function relayWith(t: { onTestFinished(fn: () => unknown): void }, opts: TunnelOptions = {}) {
  const relay = await startRelay(opts);
  t.onTestFinished(() => relay.close());
  return relay;
}

async function created(desktop: TestClient): Promise<string> {
  const c = await desktop.create();
  assert.ok(c.ok, JSON.stringify(c));
  return c.pairingId;
}

const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error?.code);

/** Resolves when the condition holds (checked every few milliseconds: no fixed wait). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((resolve) => setTimeout(resolve, 2));
}

test('every refusal is its own plain sentence, and a late phone hears the expiry the desktop hears', async (t) => {
  let now = Date.parse('2026-12-02T06:00:00.000Z');
  const relay = await relayWith(t, { now: () => now, limits: { maxPairingsPerDesktop: 1 } });
  const refusals = new Map<string, string>();
  const keep = (r: { ok: boolean }) => {
    const refused = r as Refusal;
    assert.equal(refused.ok, false);
    refusals.set(refused.error.code, refused.error.message);
    return refused.error.code;
  };
  const desktop = await relay.client();
  const phone = await relay.client();
  const id = await created(desktop);
  assert.equal(keep(await desktop.create()), 'too-many-pairings');
  assert.equal(keep(await phone.join('A'.repeat(22))), 'unknown');
  assert.equal(keep(await phone.ack('pair:join', { pairingId: 'x' })), 'invalid');
  assert.equal(keep(await desktop.join(id)), 'wrong-role');
  assert.equal((await phone.join(id)).ok, true);
  assert.equal(keep(await (await relay.client()).join(id)), 'already-joined');
  assert.equal((await desktop.ack<{ ok: boolean }>('pair:complete', { pairingId: id })).ok, true);
  assert.equal(keep(await (await relay.client()).join(id)), 'completed');

  const desktop2 = await relay.client();
  const id2 = await created(desktop2);
  await desktop2.ack('pair:cancel', { pairingId: id2 });
  assert.equal(keep(await (await relay.client()).join(id2)), 'cancelled');

  // The relay's clock passes the 60 s before its timer fires: the join finds it expired,
  // closes it, and the desktop hears that.
  const desktop3 = await relay.client();
  const id3 = await created(desktop3);
  now += 60_000;
  assert.equal(keep(await (await relay.client()).join(id3)), 'expired');
  assert.deepEqual(await desktop3.closed.next(), { pairingId: id3, reason: 'expired' });

  const flooder = await relay.client();
  const acks = await Promise.all(
    Array.from({ length: 21 }, () => flooder.ack<Refusal>('pair:join', {})),
  );
  assert.equal(keep(acks[20]!), 'rate-limited');

  assert.deepEqual([...refusals.keys()].sort(), [
    'already-joined',
    'cancelled',
    'completed',
    'expired',
    'invalid',
    'rate-limited',
    'too-many-pairings',
    'unknown',
    'wrong-role',
  ]);
  const texts = [...refusals.values()];
  for (const text of texts) assert.match(text, /^[A-Z][^]{15,}\.$/, text);
  assert.equal(new Set(texts).size, texts.length, 'a distinct sentence for each');
});

test('on a still clock exactly 20 events pass; the 21st is refused and closes the connection once', async (t) => {
  const { lines, logger } = recorder();
  const now = Date.now();
  const relay = await relayWith(t, { now: () => now, logger });
  const desktop = await relay.client();
  const phone = await relay.client();
  const id = await created(desktop); // the desktop's first token
  assert.equal((await phone.join(id)).ok, true); // the phone's first
  const phoneId = phone.socket.id;
  // Unknown events cost a token each, known ones exactly one.
  for (let i = 0; i < 9; i++) phone.emitRaw('nonsense', i);
  const ok = await Promise.all(
    Array.from({ length: 10 }, () => phone.ack<Refusal>('pair:cancel', { pairingId: 'x' })),
  );
  assert.deepEqual(
    ok.map((r) => r.error.code),
    Array(10).fill('invalid'),
  );
  // Over the limit: refused, and more of them (if they arrive before the cut) change nothing.
  const over = Array.from({ length: 4 }, () =>
    phone.ack<Refusal>('pair:cancel', { pairingId: 'x' }),
  );
  assert.equal((await over[0]!).error.code, 'rate-limited');
  assert.deepEqual(await desktop.closed.next(), { pairingId: id, reason: 'abuse' });
  assert.equal(await phone.disconnected, 'io server disconnect');
  // The whole connection, not just the namespace.
  await until(() => phone.socket.io.engine?.readyState !== 'open');
  // What came in is observed, unknown events by name too.
  const inbound = relay.observed.filter((o) => o.direction === 'in' && o.socketId === phoneId);
  assert.deepEqual(
    inbound.filter((o) => o.event === 'nonsense').map((o) => o.payload),
    Array(9).fill(undefined),
  );
  assert.deepEqual(inbound[0], {
    direction: 'in',
    event: 'pair:join',
    socketId: phoneId,
    payload: { pairingId: id },
  });
  const abuse = lines.filter(([, msg]) => msg === 'tunnel: closing an abusive connection');
  assert.deepEqual(abuse, [
    ['warn', 'tunnel: closing an abusive connection', { ip: '127.0.0.1', why: 'rate' }],
  ]);
  // The desktop's connection was not charged for the phone's flood.
  assert.equal((await desktop.create()).ok, true);
});

test('the configured frame limit: at it a frame passes, one over closes the pairing as abuse', async (t) => {
  const { lines, logger } = recorder();
  const relay = await relayWith(t, { limits: { maxMessageChars: 100 }, logger });
  const desktop = await relay.client();
  const phone = await relay.client();
  const id = await created(desktop);
  await phone.join(id);
  phone.emitRaw('pair:msg', { pairingId: id, data: 'A'.repeat(100) });
  assert.equal((await desktop.msgs.next()).data.length, 100);
  phone.emitRaw('pair:msg', { pairingId: id, data: 'A'.repeat(101) });
  assert.equal((await desktop.closed.next()).reason, 'abuse');
  assert.equal((await phone.closed.next()).reason, 'abuse');
  assert.equal(await phone.disconnected, 'io server disconnect');
  assert.equal(desktop.msgs.items.length, 1);
  assert.ok(
    lines.some(
      ([, m, f]) => m === 'tunnel: closing an abusive connection' && f.why === 'message too large',
    ),
  );
});

test('by default a full 16 KiB frame crosses, and it reaches the other side only', async (t) => {
  const { lines, logger } = recorder();
  const relay = await relayWith(t, { logger });
  const desktop = await relay.client();
  const phone = await relay.client();
  const bystander = await relay.client();
  const id = await created(desktop);
  await phone.join(id);
  const data = 'A'.repeat(16 * 1024);
  desktop.emitRaw('pair:msg', { pairingId: id, data });
  bystander.emitRaw('pair:msg', { pairingId: id, data: 'BBBB' });
  phone.emitRaw('pair:msg', { pairingId: id, data: 'CCCC' });
  assert.equal((await phone.msgs.next()).data, data);
  assert.deepEqual(await desktop.msgs.next(), { pairingId: id, data: 'CCCC' });
  assert.equal(bystander.msgs.items.length + desktop.msgs.items.length, 1);
  assert.equal(bystander.socket.connected, true, 'a stranger frame is dropped, not abuse');
  assert.deepEqual(
    lines.filter(([level]) => level === 'warn'),
    [],
    'dropped quietly, not by a failing handler',
  );
  assert.ok(
    relay.observed.some(
      (o) =>
        o.direction === 'in' &&
        o.event === 'pair:msg' &&
        o.socketId === bystander.socket.id &&
        JSON.stringify(o.payload) === JSON.stringify({ pairingId: id, data: 'BBBB' }),
    ),
  );
});

test('a malformed frame is abuse: the sender is cut off and the pairing closed', async (t) => {
  const { lines, logger } = recorder();
  const relay = await relayWith(t, { logger });
  const desktop = await relay.client();
  const phone = await relay.client();
  const id = await created(desktop);
  await phone.join(id);
  phone.emitRaw('pair:msg', { pairingId: id, data: 'not base64url!' });
  assert.deepEqual(await desktop.closed.next(), { pairingId: id, reason: 'abuse' });
  assert.equal(await phone.disconnected, 'io server disconnect');
  assert.deepEqual(
    lines.find(([level]) => level === 'warn'),
    ['warn', 'tunnel: closing an abusive connection', { ip: '127.0.0.1', why: 'bad message' }],
  );
});

test('browser origins: only the allowed ones connect; Node clients send none; no list allows any', async (t) => {
  const { lines, logger } = recorder();
  let allowed: string[] | null = ['https://app.example'];
  const relay = await relayWith(t, { allowedOrigins: () => allowed, logger });
  const refused: unknown[] = [];
  relay.tunnel.io.engine.on('connection_error', (e: { context?: unknown }) =>
    refused.push(e.context),
  );
  await assert.rejects(relay.client({ headers: { origin: 'https://evil.example' } }));
  assert.deepEqual(refused, [{ message: 'origin not allowed' }]);
  assert.deepEqual(lines, [
    [
      'warn',
      'tunnel: refused a connection from a foreign origin',
      { origin: 'https://evil.example' },
    ],
  ]);
  const ok = await relay.client({ headers: { origin: 'https://app.example' } });
  assert.equal((await ok.create()).ok, true);
  assert.equal((await (await relay.client()).create()).ok, true);
  allowed = null;
  assert.equal(
    (await (await relay.client({ headers: { origin: 'https://evil.example' } })).create()).ok,
    true,
  );
});

test('the relay serves no socket.io client bundle and uses the adapter it is given', async (t) => {
  let adapters = 0;
  class CountingAdapter extends Adapter {
    constructor(...args: ConstructorParameters<typeof Adapter>) {
      super(...args);
      adapters++;
    }
  }
  const relay = await relayWith(t, {
    adapter: CountingAdapter as unknown as TunnelOptions['adapter'],
  });
  const res = await fetch(`${relay.url}/socket.io/socket.io.js`);
  // engine.io answers the path itself (400: no transport), but never with the bundle.
  assert.ok(res.status >= 400, `status ${res.status}`);
  await res.body?.cancel();
  assert.ok(adapters > 0, 'the namespace was built on the given adapter');
});

test('a socket keeps its first role: a refused join still makes it a phone; a desktop cannot join', async (t) => {
  const relay = await relayWith(t);
  const desktop = await relay.client();
  const id = await created(desktop);
  assert.equal(code(await desktop.join(id)), 'wrong-role');
  const phone = await relay.client();
  assert.equal(code(await phone.join('A'.repeat(22))), 'unknown');
  assert.equal(code(await phone.create()), 'wrong-role');
  const fresh = await relay.client();
  assert.equal(code(await fresh.ack('pair:complete', { pairingId: id })), 'wrong-role');
  // An old desktop sends no payload at all (null on the wire): still a create.
  const old = await relay.client();
  const ack = await old.ack<{ ok: boolean; pairingId?: string; expiresAt?: string }>(
    'pair:create',
    null,
  );
  assert.equal(ack.ok, true);
  assert.match(ack.pairingId ?? '', /^[A-Za-z0-9_-]{22}$/);
  assert.equal(code(await old.ack('pair:create', { v: 2 })), 'invalid');
});

test('cancel and complete: members only, with or without an ack, reasons carried through', async (t) => {
  const relay = await relayWith(t);
  const desktop = await relay.client();
  const phone = await relay.client();
  const stranger = await relay.client();
  const id = await created(desktop);
  await phone.join(id);
  assert.equal(code(await stranger.ack('pair:cancel', { pairingId: id })), 'unknown');
  assert.equal(
    code(await stranger.ack('pair:cancel', { pairingId: id, reason: 'nope' })),
    'invalid',
  );
  assert.equal(code(await desktop.ack('pair:complete', { pairingId: 'A'.repeat(22) })), 'unknown');
  assert.equal(code(await desktop.ack('pair:complete', { pairingId: 'x' })), 'invalid');
  // Without an ack callback: nothing is acked, the pairing still closes for both.
  phone.emitRaw('pair:cancel', { pairingId: id });
  assert.deepEqual(await desktop.closed.next(), { pairingId: id, reason: 'cancelled' });
  assert.deepEqual(await phone.closed.next(), { pairingId: id, reason: 'cancelled' });
  const acks = relay.observed.filter((o) => o.direction === 'out' && o.event.endsWith(':ack'));
  assert.deepEqual(
    acks.map((o) => [o.event, o.socketId === phone.socket.id]),
    [
      ['pair:create:ack', false],
      ['pair:join:ack', true],
      ['pair:cancel:ack', false],
      ['pair:cancel:ack', false],
      ['pair:complete:ack', false],
      ['pair:complete:ack', false],
    ],
  );
  // Both ends left the closed pairing: the phone may join a new one at once.
  const id2 = await created(desktop);
  assert.equal((await phone.join(id2)).ok, true);
  assert.equal((await desktop.ack<{ ok: boolean }>('pair:complete', { pairingId: id2 })).ok, true);
  assert.equal((await phone.closed.next()).reason, 'completed');
});

test('the log follows each pairing by a 6-character ref, never its id or the reverse code', async (t) => {
  const { lines, logger } = recorder();
  const relay = await relayWith(t, { logger, issueReverseCode: () => '482913' });
  const desktop = await relay.client({ localAddress: '127.0.0.2' });
  const phone = await relay.client({ userAgent: ANDROID });
  const id = await created(desktop);
  await relay.tunnel.pairingLink.linkAttempt(id, {
    kind: 'sign-in',
    attemptId: 'a-1',
    challenge: CHALLENGE,
  });
  const joined = await phone.join(id);
  assert.ok(joined.ok && joined.reverseCode === '482913');
  assert.equal(code(await (await relay.client()).join(id)), 'already-joined');
  // A phone asking for a second pairing is refused before any pairing is looked at: no line.
  assert.equal(code(await phone.join('A'.repeat(22))), 'too-many-pairings');
  await desktop.ack('pair:complete', { pairingId: id });
  await phone.closed.next();
  const ref = id.slice(0, 6);
  assert.deepEqual(lines, [
    ['info', 'tunnel: pairing created', { pairing: ref, ip: '127.0.0.2' }],
    ['info', 'tunnel: phone joined', { pairing: ref, sameNetwork: false }],
    ['info', 'tunnel: join refused', { pairing: ref, code: 'already-joined' }],
    ['info', 'tunnel: pairing closed', { pairing: ref, reason: 'completed' }],
  ]);
  const text = JSON.stringify(lines);
  assert.equal(text.includes(id), false);
  assert.equal(text.includes('482913'), false);
});

test("the desktop hears a readable name from the phone's first 512 user-agent characters only", async (t) => {
  const relay = await relayWith(t);
  const desktop = await relay.client();
  const id = await created(desktop);
  const phone = await relay.client({ userAgent: 'x'.repeat(512) + ANDROID });
  await phone.join(id);
  assert.deepEqual((await desktop.joined.next()).phone, { device: 'Unknown browser' });
  const id2 = await created(desktop);
  await (await relay.client({ userAgent: ANDROID })).join(id2);
  assert.deepEqual((await desktop.joined.next()).phone, { device: 'Chrome on Android' });
});

/** A memory store whose steps can be held or made to fail. */
class ControlledStore extends MemoryPairingStore {
  holdCreate?: Promise<void>;
  createCalled?: () => void;
  failCreate = false;
  failClose = false;
  failGet = false;
  holdClose?: Promise<void>;
  closes: [string, ClosedReason][] = [];
  override async get(id: string) {
    if (this.failGet) throw new Error('store down');
    return super.get(id);
  }
  override async create(p: Pairing) {
    this.createCalled?.();
    await this.holdCreate;
    if (this.failCreate) throw new Error('store down');
    return super.create(p);
  }
  override async close(id: string, reason: ClosedReason) {
    this.closes.push([id, reason]);
    await this.holdClose;
    if (this.failClose) throw new Error('store down');
    return super.close(id, reason);
  }
}

test('a desktop gone while its create was stored leaves no open pairing', async (t) => {
  const store = new ControlledStore();
  const relay = await relayWith(t, { store });
  const serverGone = new Promise<void>((resolve) =>
    relay.tunnel.namespace.on('connection', (s) => s.on('disconnect', () => resolve())),
  );
  const desktop = await relay.client();
  let release!: () => void;
  store.holdCreate = new Promise((resolve) => (release = resolve));
  const called = new Promise<void>((resolve) => (store.createCalled = resolve));
  desktop.emitRaw('pair:create', {}, () => {});
  await called;
  desktop.close();
  await serverGone;
  release();
  await until(() => store.closes.length > 0);
  const [[id, reason]] = store.closes as [[string, ClosedReason]];
  assert.equal(reason, 'peer-left');
  assert.equal(await store.get(id), undefined);
  assert.equal(await store.closedReason(id), 'peer-left');
});

test('a failing store: the request is refused as invalid and logged; a failed background close is logged', async (t) => {
  const { lines, logger } = recorder();
  const store = new ControlledStore();
  const relay = await relayWith(t, { store, logger });
  const desktop = await relay.client();
  store.failCreate = true;
  assert.equal(code(await desktop.create()), 'invalid');
  assert.deepEqual(lines.at(-1), [
    'warn',
    'tunnel: handler failed',
    { err: 'store down', event: 'pair:create' },
  ]);
  store.failCreate = false;
  const phone = await relay.client();
  const id = await created(desktop);
  await phone.join(id);
  store.failClose = true;
  phone.close();
  await until(() => lines.some(([, m]) => m === 'tunnel: close on disconnect failed'));
  assert.deepEqual(lines.at(-1), [
    'warn',
    'tunnel: close on disconnect failed',
    { err: 'store down' },
  ]);
  store.failClose = false;
});

test('two relay processes over one store: cancel, expiry and shutdown with the phone on the other', async (t) => {
  const store = new MemoryPairingStore();
  const limits = { unscannedMs: 1_000, scannedMs: 2_000 };
  const a = await relayWith(t, { store, limits });
  // B's clock runs a second behind, so A's timer is the one that closes the scanned pairing.
  const b = await relayWith(t, { store, limits, now: () => Date.now() - 1_000 });
  const desktop = await a.client();
  const phone = await b.client();

  const id = await created(desktop);
  assert.equal((await phone.join(id)).ok, true);
  // The phone is a member A cannot reach directly; A still closes and acks.
  assert.deepEqual(await desktop.ack('pair:cancel', { pairingId: id }), { ok: true });
  assert.deepEqual(await desktop.closed.next(), { pairingId: id, reason: 'cancelled' });

  // A's unscanned timer finds the join B made: it waits for the scanned lifetime, then closes.
  const id2 = await created(desktop);
  const phone2 = await b.client();
  const joined = await phone2.join(id2);
  assert.ok(joined.ok);
  assert.deepEqual(await desktop.closed.next(), { pairingId: id2, reason: 'expired' });
  const closedAt = Date.now();
  assert.ok(closedAt >= Date.parse(joined.expiresAt), 'not before the scanned expiry');

  // A's shutdown closes A's pairings only.
  const desktopOnB = await b.client();
  const id3 = await created(desktopOnB);
  const id4 = await created(desktop);
  await a.tunnel.close();
  assert.deepEqual(await desktop.closed.next(), { pairingId: id4, reason: 'shutdown' });
  assert.ok(await store.get(id3), "B's pairing lives on");
  // A closing relay takes no new connection.
  await assert.rejects(
    (async () => {
      const late = await a.client();
      await late.disconnected;
      await until(() => late.socket.io.engine?.readyState !== 'open');
      throw new Error('disconnected');
    })(),
  );
});

test('background work that fails is logged by what it was: expiry, abuse', async (t) => {
  const { lines, logger } = recorder();
  const store = new ControlledStore();
  const relay = await relayWith(t, { store, logger, limits: { unscannedMs: 50 } });
  const desktop = await relay.client();
  await created(desktop);
  store.failGet = true;
  await until(() => lines.some(([, m]) => m === 'tunnel: expiry failed'));
  assert.deepEqual(lines.at(-1), ['warn', 'tunnel: expiry failed', { err: 'store down' }]);
  store.failGet = false;

  const flooder = await relay.client();
  await created(flooder);
  store.failClose = true;
  for (let i = 0; i < 30; i++) flooder.emitRaw('nonsense', i);
  await until(() => lines.some(([, m]) => m === 'tunnel: abuse failed'));
  assert.deepEqual(
    lines.find(([, m]) => m === 'tunnel: abuse failed'),
    ['warn', 'tunnel: abuse failed', { err: 'store down' }],
  );
  // Cut off all the same.
  assert.equal(await flooder.disconnected, 'io server disconnect');
  store.failClose = false;
});

test('no reverse code can be issued: the pairing closes for both and the log says why', async (t) => {
  const { lines, logger } = recorder();
  const relay = await relayWith(t, {
    logger,
    issueReverseCode: () => {
      throw new Error('attempt gone');
    },
  });
  const desktop = await relay.client({ localAddress: '127.0.0.2' });
  const phone = await relay.client();
  const id = await created(desktop);
  await relay.tunnel.pairingLink.linkAttempt(id, {
    kind: 'sign-in',
    attemptId: 'a',
    challenge: CHALLENGE,
  });
  assert.equal(code(await phone.join(id)), 'cancelled');
  assert.deepEqual(await desktop.closed.next(), { pairingId: id, reason: 'cancelled' });
  assert.deepEqual(
    lines.find(([level]) => level === 'warn'),
    [
      'warn',
      'tunnel: no reverse code; closing',
      { pairing: id.slice(0, 6), err: 'Error: attempt gone' },
    ],
  );
  assert.equal(desktop.joined.items.length, 0);
});

test('a desktop gone while the code was issued: the phone is told cancelled, and hears peer-left', async (t) => {
  let asked!: () => void;
  const codeAsked = new Promise<void>((resolve) => (asked = resolve));
  let desktopGone!: () => void;
  const gone = new Promise<void>((resolve) => (desktopGone = resolve));
  const store = new ControlledStore();
  const relay = await relayWith(t, {
    store,
    issueReverseCode: async () => {
      asked();
      await gone;
      return '123456';
    },
  });
  const desktop = await relay.client({ localAddress: '127.0.0.2' });
  const phone = await relay.client();
  const id = await created(desktop);
  await relay.tunnel.pairingLink.linkAttempt(id, {
    kind: 'sign-in',
    attemptId: 'a',
    challenge: CHALLENGE,
  });
  const joining = phone.join(id);
  await codeAsked;
  desktop.close();
  await until(() => store.closes.length > 0);
  desktopGone();
  assert.equal(code(await joining), 'cancelled');
  assert.deepEqual(await phone.closed.next(), { pairingId: id, reason: 'peer-left' });
  assert.equal(phone.socket.connected, true);
});

test("a pairing's timer fires at its expiry only, not in a loop before it", async (t) => {
  let gets = 0;
  class CountingStore extends MemoryPairingStore {
    override async get(id: string) {
      gets++;
      return super.get(id);
    }
  }
  const now = Date.now();
  // The relay's clock stands still: its timers are due in a minute, whatever the wall clock says.
  const relay = await relayWith(t, { store: new CountingStore(), now: () => now });
  const desktop = await relay.client();
  await created(desktop);
  gets = 0;
  const other = await relay.client();
  for (let i = 0; i < 5; i++) assert.equal(code(await other.ack('pair:join', {})), 'invalid');
  assert.equal(gets, 0, 'nothing looked the pairing up while it was not due');
});

test('while the relay shuts down, a new connection is turned away at once', async (t) => {
  const store = new ControlledStore();
  let release = () => {};
  const relay = await startRelay({ store });
  t.onTestFinished(() => {
    release(); // a shutdown stuck on the held close must not hold up the cleanup
    return relay.close();
  });
  const desktop = await relay.client();
  await created(desktop);
  store.holdClose = new Promise((resolve) => (release = resolve));
  const shutdown = relay.tunnel.close();
  // The shutdown is closing the desktop's pairing (held): the engine still takes connections.
  await until(() => store.closes.length > 0);
  const late = await relay.client();
  assert.equal(await late.disconnected, 'io server disconnect');
  await until(() => late.socket.io.engine?.readyState !== 'open');
  // Closed whole, not only the namespace: another namespace on that connection goes too.
  const c = await twoNamespaces(relay);
  t.onTestFinished(c.close);
  assert.equal(await c.tunnelGone, 'io server disconnect');
  assert.equal(await c.rootGone, 'io server disconnect');
  release();
  await shutdown;
  assert.equal((await desktop.closed.next()).reason, 'shutdown');
});

/**
 * One connection carrying two namespaces: the root and the tunnel. A socket.io client closes
 * its connection itself once its last namespace is told to go, so only a second namespace shows
 * whether the relay closed the connection (a misbehaving client need not close it at all).
 */
async function twoNamespaces(relay: Harness) {
  const manager = new Manager(relay.url, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });
  const root = manager.socket('/');
  await new Promise<void>((resolve) => root.once('connect', () => resolve()));
  const rootGone = new Promise<string>((resolve) => root.once('disconnect', resolve));
  const tunnel = manager.socket('/tunnel');
  const tunnelGone = new Promise<string>((resolve) => tunnel.once('disconnect', resolve));
  const connected = new Promise<void>((resolve) => tunnel.once('connect', () => resolve()));
  const close = () => {
    root.disconnect();
    tunnel.disconnect();
  };
  return { tunnel, connected, rootGone, tunnelGone, close };
}

test('abuse closes the whole connection, not only the tunnel namespace', async (t) => {
  const relay = await relayWith(t, { now: () => 0 });
  const c = await twoNamespaces(relay);
  t.onTestFinished(c.close);
  await c.connected;
  for (let i = 0; i < 21; i++) c.tunnel.emit('pair:cancel', { pairingId: 'x' }, () => {});
  assert.equal(await c.tunnelGone, 'io server disconnect');
  assert.equal(await c.rootGone, 'io server disconnect');
});

test("behind a trusted proxy the desktop's address is the forwarded one; untrusted, the peer's", async (t) => {
  const forwarded = { 'x-forwarded-for': '203.0.113.7' };
  const trusted = recorder();
  const behind = await relayWith(t, { trustProxy: 'loopback', logger: trusted.logger });
  await created(await behind.client({ headers: forwarded }));
  const direct = recorder();
  const exposed = await relayWith(t, { logger: direct.logger });
  await created(await exposed.client({ headers: forwarded }));
  const ip = (lines: Line[]) => lines.find(([, m]) => m === 'tunnel: pairing created')?.[2].ip;
  assert.equal(ip(trusted.lines), '203.0.113.7');
  assert.equal(ip(direct.lines), '127.0.0.1');
});

test("a stranger's refused join leaves the live pairing's expiry armed", async (t) => {
  // A second is ample for the stranger's one round trip (connected beforehand), even on a
  // loaded machine: a join after the expiry would be refused as expired instead.
  const relay = await relayWith(t, { limits: { scannedMs: 1_000 } });
  const desktop = await relay.client();
  const [phone, stranger] = [await relay.client(), await relay.client()];
  const id = await created(desktop);
  const joined = await phone.join(id);
  assert.ok(joined.ok);
  assert.equal(code(await stranger.join(id)), 'already-joined');
  assert.deepEqual(await desktop.closed.next(), { pairingId: id, reason: 'expired' });
  assert.ok(Date.now() >= Date.parse(joined.expiresAt), 'not before its expiry');
});

test('a malformed create, cancel or complete is refused as invalid, quietly: no handler fails', async (t) => {
  const { lines, logger } = recorder();
  const relay = await relayWith(t, { logger });
  const desktop = await relay.client();
  await created(desktop);
  assert.equal(code(await (await relay.client()).ack('pair:create', { key: 7 })), 'invalid');
  assert.equal(code(await desktop.ack('pair:cancel', { pairingId: 'x' })), 'invalid');
  assert.equal(code(await desktop.ack('pair:complete', { pairingId: 'x' })), 'invalid');
  assert.deepEqual(
    lines.filter(([level]) => level === 'warn'),
    [],
  );
});

test('the observer sees what goes out: to whom, which event, with what', async (t) => {
  const relay = await relayWith(t);
  const desktop = await relay.client();
  const id = await created(desktop);
  await (await relay.client({ userAgent: ANDROID })).join(id);
  const joined = await desktop.joined.next();
  assert.deepEqual(
    relay.observed.filter((o) => o.event === 'pair:joined'),
    [{ direction: 'out', event: 'pair:joined', socketId: desktop.socket.id, payload: joined }],
  );
});

test('a flood of known events whose abuse close fails is logged as abuse; unknown ones say why', async (t) => {
  const { lines, logger } = recorder();
  const store = new ControlledStore();
  const relay = await relayWith(t, { store, logger, now: () => 0 });
  const flooder = await relay.client();
  await created(flooder);
  store.failClose = true;
  for (let i = 0; i < 30; i++) flooder.emitRaw('pair:cancel', { pairingId: 'x' }, () => {});
  assert.equal(await flooder.disconnected, 'io server disconnect');
  await until(() => lines.some(([, m]) => m === 'tunnel: abuse failed'));
  store.failClose = false;

  const noisy = await relay.client();
  for (let i = 0; i < 30; i++) noisy.emitRaw('nonsense', i);
  assert.equal(await noisy.disconnected, 'io server disconnect');
  assert.deepEqual(
    lines.filter(([, m]) => m === 'tunnel: closing an abusive connection').map(([, , f]) => f.why),
    ['rate', 'rate'],
  );
});
