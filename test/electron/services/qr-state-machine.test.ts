/**
 * The QR flow's state machine (electron/services/qr/machine.ts) over a fake relay and a fake
 * ceremony: no server, no sockets, no browser. The phone end is the real channel
 * (server/protocol/channel.ts) opened from the link the flow shows, so what is asserted about
 * the messages is what a phone would read.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { fromBase64Url, openPhoneChannel } from '../../../server/protocol/channel';
import { derivePairingId } from '../../../server/protocol/pairing-id';
import { parseQrLink } from '../../../server/protocol/qr-link';
import type { CancelReason, DesktopToPhone, PhoneToDesktop } from '../../../server/protocol/tunnel';
import { ApiError } from '../../../electron/services/api-client';
import type { Ceremony } from '../../../electron/services/qr/ceremony';
import { runQrMachine } from '../../../electron/services/qr/machine';
import {
  RelayError,
  type RelayEvents,
  type RelayPort,
} from '../../../electron/services/qr/relay-client';
import type { QrLogin, QrLoginState } from '../../../electron/services/qr/types';
import { recordStates, waitForState } from './support/flow';

const PHONE = { device: 'Chrome on Android' };
const USER = { id: 'u_1', email: 'alice@example.com' } as never;

/** A relay in memory: records what the desktop did, lets the test play the relay's part. */
function fakeRelay(
  opts: { refuseCreate?: boolean; failConnect?: boolean; foreignId?: boolean } = {},
) {
  let events: RelayEvents | null = null;
  let n = 0;
  const log = {
    created: [] as string[],
    sent: [] as { pairingId: string; data: string }[],
    cancelled: [] as { pairingId: string; reason: CancelReason }[],
    abandoned: [] as string[],
    completed: [] as string[],
    closed: 0,
  };
  let onSend: (data: string) => void = () => undefined;
  const relay: RelayPort = {
    async connect(e) {
      if (opts.failConnect) throw new RelayError('Cannot reach the relay (test).');
      events = e;
    },
    async create(key) {
      if (opts.refuseCreate) throw new RelayError('The relay refused: busy');
      // The real relay derives the id from the key (server/protocol/pairing-id.ts).
      const pairingId = opts.foreignId
        ? `pairing${String(++n).padStart(15, '0')}`
        : await derivePairingId(fromBase64Url(key));
      log.created.push(pairingId);
      return { pairingId, expiresAt: Date.now() + 60_000 };
    },
    send(pairingId, data) {
      log.sent.push({ pairingId, data });
      onSend(data);
    },
    async cancel(pairingId, reason) {
      log.cancelled.push({ pairingId, reason });
    },
    abandon(pairingId) {
      log.abandoned.push(pairingId);
    },
    async complete(pairingId) {
      log.completed.push(pairingId);
    },
    close() {
      log.closed++;
    },
  };
  const ev = () => {
    assert.ok(events, 'connected');
    return events;
  };
  return {
    relay,
    log,
    ev,
    /** A phone scans `link`: joins, opens the channel, says hello. */
    async scan(link: string, sameNetwork = true) {
      const { pairingId, desktopPublicKey, secret } = await parseQrLink(link);
      const channel = await openPhoneChannel({ pairingId, desktopPublicKey, secret });
      const inbox: DesktopToPhone[] = [];
      const waiters: (() => void)[] = [];
      onSend = (data) =>
        void channel.open(data).then((m) => {
          inbox.push(m);
          for (const w of waiters.splice(0)) w();
        });
      ev().joined({
        pairingId,
        phone: PHONE,
        sameNetwork,
        expiresAt: new Date(Date.now() + 120_000).toISOString(),
      });
      const phone = {
        pairingId,
        channel,
        inbox,
        async say(m: PhoneToDesktop) {
          ev().message({ pairingId, data: await channel.seal(m) });
        },
        /** Resolves once the phone has received `count` messages. */
        received(count: number): Promise<DesktopToPhone[]> {
          return new Promise((resolve) => {
            const check = () => (inbox.length >= count ? resolve(inbox) : waiters.push(check));
            check();
          });
        },
      };
      await phone.say({ type: 'hello', v: 1 });
      return phone;
    },
  };
}

type Redeem = Ceremony['redeem'];

function fakeCeremony(
  purpose: 'sign-in' | 'add-passkey',
  redeem: Redeem = async () => ({
    state: { status: 'signed-in', user: USER },
    accountHint: 'a***@example.com',
  }),
) {
  const calls = { begin: [] as string[], redeem: [] as (string | undefined)[] };
  const ceremony: Ceremony = {
    purpose,
    confirmsPhone: purpose === 'add-passkey',
    async begin(pairingId) {
      calls.begin.push(pairingId);
      return { attemptId: `att_${pairingId}`, options: { challenge: 'c'.repeat(43) } };
    },
    request: (options, display) =>
      purpose === 'sign-in'
        ? { type: 'request', kind: 'get', options, display }
        : {
            type: 'request',
            kind: 'create',
            options: { ...options, rp: { name: 'x' }, user: { id: 'u', name: 'alice' } },
            display,
          },
    async redeem(attemptId, code, ctx) {
      calls.redeem.push(code);
      return redeem(attemptId, code, ctx);
    },
  };
  return { ceremony, calls };
}

function start(
  relay: RelayPort,
  ceremony: Ceremony,
  maxWaitMs = 60_000,
): QrLogin & { ended: Promise<void> } {
  let ended!: () => void;
  const endedP = new Promise<void>((r) => (ended = r));
  const flow = runQrMachine({
    relay,
    ceremony,
    phoneOrigin: async () => 'http://exchange.test',
    display: { app: 'Test', device: 'desk (Linux)' },
    maxWaitMs,
    onEnd: () => ended(),
  });
  return Object.assign(flow, { ended: endedP });
}

test('sign-in: scan, hello, request, approved -> verifying -> signed-in; the phone hears done', async () => {
  const f = fakeRelay();
  const { ceremony, calls } = fakeCeremony('sign-in');
  const flow = start(f.relay, ceremony);
  const seen = recordStates(flow);
  const { link } = await waitForState(flow, 'waiting-for-scan');
  const phone = await f.scan(link);
  const [request] = await phone.received(1);
  assert.ok(request?.type === 'request' && request.kind === 'get');
  assert.equal(request.display.app, 'Test');
  await phone.say({ type: 'approved' });
  const final = await flow.finished;
  assert.deepEqual(final, { status: 'signed-in', user: USER });
  const [, done] = await phone.received(2);
  assert.deepEqual(done, { type: 'done', ok: true, accountHint: 'a***@example.com' });
  assert.deepEqual(seen, [
    'starting',
    'waiting-for-scan',
    'scanned',
    'waiting-for-approval',
    'verifying',
    'signed-in',
  ]);
  assert.deepEqual(calls.redeem, [undefined]);
  assert.deepEqual(f.log.completed, [phone.pairingId]);
  await flow.ended;
  assert.equal(f.log.closed, 1);
});

test('an approval the desktop never asked for, or a second one, is not believed', async () => {
  const f = fakeRelay();
  const { ceremony, calls } = fakeCeremony('add-passkey');
  const flow = start(f.relay, ceremony);
  const { link } = await waitForState(flow, 'waiting-for-scan');
  const phone = await f.scan(link);
  await waitForState(flow, 'confirm-phone');
  await phone.say({ type: 'approved' });
  // No request went out (confirm-phone not answered): the approval is ignored.
  assert.equal(flow.state.status, 'confirm-phone');
  assert.equal(f.log.sent.length, 0);
  assert.deepEqual(calls.redeem, []);
  await flow.cancel();
});

test('an unscanned code is replaced when the relay lets it lapse; the old pairing is dropped', async () => {
  const f = fakeRelay();
  const { ceremony } = fakeCeremony('sign-in');
  const flow = start(f.relay, ceremony);
  const first = await waitForState(flow, 'waiting-for-scan');
  const firstId = (await parseQrLink(first.link)).pairingId;
  f.ev().closed({ pairingId: firstId, reason: 'expired' });
  const second = await waitForState(flow, 'waiting-for-scan', (s) => s.link !== first.link);
  assert.notEqual((await parseQrLink(second.link)).pairingId, firstId);
  assert.deepEqual(f.log.abandoned, [firstId]);
  // Events about the old pairing no longer count.
  f.ev().closed({ pairingId: firstId, reason: 'peer-left' });
  await flow.cancel();
  assert.equal((await flow.finished).status, 'cancelled');
});

test('reverse code: asked, a wrong one keeps the tries from the error details, the right one signs in', async () => {
  const f = fakeRelay();
  let round = 0;
  const { ceremony, calls } = fakeCeremony('sign-in', async (_id, code) => {
    round++;
    if (!code) throw new ApiError(400, 'reverse_code_required', 'Type the code.');
    if (code !== '123456')
      // Words without a number: the count must come from details, not from parsing text.
      throw new ApiError(400, 'reverse_code_invalid', 'Not that code.', { triesLeft: 3 });
    return { state: { status: 'signed-in', user: USER } };
  });
  const flow = start(f.relay, ceremony);
  const { link } = await waitForState(flow, 'waiting-for-scan');
  const phone = await f.scan(link, false);
  await phone.received(1);
  await phone.say({ type: 'approved' });
  const asked = await waitForState(flow, 'needs-code');
  // The code is awaited for the scanned pairing's lifetime, and the state says until when.
  const until = asked.status === 'needs-code' ? asked.expiresAt : undefined;
  assert.ok(until && until > Date.now(), 'needs-code carries the pairing’s end');
  const badFormat = await flow.submitCode('12ab');
  assert.deepEqual(badFormat, {
    status: 'needs-code',
    expiresAt: until,
    message: 'Type the 6 digits shown on your phone.',
  });
  const wrong = await flow.submitCode('000000');
  assert.deepEqual(wrong, {
    status: 'needs-code',
    triesLeft: 3,
    message: 'Not that code.',
    expiresAt: until,
  });
  // The phone leaving while the code is typed does not end the flow.
  f.ev().closed({ pairingId: phone.pairingId, reason: 'peer-left' });
  const right = await flow.submitCode(' 123456 ');
  assert.equal(right.status, 'signed-in');
  assert.deepEqual(calls.redeem, [undefined, '000000', '123456']);
  assert.equal(round, 3);
});

test('five wrong codes: attempt-dead, the phone is told why, the pairing is ended', async () => {
  const f = fakeRelay();
  const { ceremony } = fakeCeremony('sign-in', async (_id, code) => {
    if (!code) throw new ApiError(400, 'reverse_code_required', 'Type the code.');
    throw new ApiError(410, 'attempt_dead', 'dead');
  });
  const flow = start(f.relay, ceremony);
  const { link } = await waitForState(flow, 'waiting-for-scan');
  const phone = await f.scan(link, false);
  await phone.received(1);
  await phone.say({ type: 'approved' });
  await waitForState(flow, 'needs-code');
  const end = await flow.submitCode('000000');
  assert.ok(end.status === 'failed' && end.reason === 'attempt-dead');
  const [, done] = await phone.received(2);
  assert.deepEqual(done, { type: 'done', ok: false, error: 'The code was wrong too many times.' });
  assert.deepEqual(f.log.cancelled, [{ pairingId: phone.pairingId, reason: 'cancelled' }]);
});

test('add-passkey: "Is this your phone?" first; no cancels and the phone is never asked', async () => {
  const f = fakeRelay();
  const { ceremony } = fakeCeremony('add-passkey');
  const flow = start(f.relay, ceremony);
  const { link } = await waitForState(flow, 'waiting-for-scan');
  const phone = await f.scan(link);
  const confirm = await waitForState(flow, 'confirm-phone');
  assert.deepEqual(confirm.phone, PHONE);
  await flow.confirmPhone(false);
  assert.equal((await flow.finished).status, 'cancelled');
  assert.equal(f.log.sent.length, 0);
  assert.deepEqual(f.log.cancelled, [{ pairingId: phone.pairingId, reason: 'cancelled' }]);
});

test("add-passkey: yes sends the create request; the final state is the ceremony's", async () => {
  const f = fakeRelay();
  const passkey = { id: 'pk_1' } as never;
  const { ceremony } = fakeCeremony('add-passkey', async () => ({
    state: { status: 'passkey-added', passkey },
  }));
  const flow = start(f.relay, ceremony);
  const { link } = await waitForState(flow, 'waiting-for-scan');
  const phone = await f.scan(link);
  await waitForState(flow, 'confirm-phone');
  await flow.confirmPhone(true);
  const [request] = await phone.received(1);
  assert.ok(request?.type === 'request' && request.kind === 'create');
  await phone.say({ type: 'approved' });
  assert.deepEqual(await flow.finished, { status: 'passkey-added', passkey });
});

test('a frame that does not open: channel-error, and the relay is told so', async () => {
  const f = fakeRelay();
  const { ceremony } = fakeCeremony('sign-in');
  const flow = start(f.relay, ceremony);
  const { link } = await waitForState(flow, 'waiting-for-scan');
  const phone = await f.scan(link);
  await phone.received(1);
  f.ev().message({ pairingId: phone.pairingId, data: 'AAAA' + 'A'.repeat(40) });
  const end = await flow.finished;
  assert.ok(end.status === 'failed' && end.reason === 'channel-error');
  assert.deepEqual(f.log.cancelled, [{ pairingId: phone.pairingId, reason: 'channel-error' }]);
});

test('the phone says no: denied; an unsupported phone: passkey-failed; plain words', async () => {
  for (const [reason, expected] of [
    ['denied', 'denied'],
    ['unsupported', 'passkey-failed'],
    ['already-registered', 'already-registered'],
  ] as const) {
    const f = fakeRelay();
    const { ceremony } = fakeCeremony('sign-in');
    const flow = start(f.relay, ceremony);
    const { link } = await waitForState(flow, 'waiting-for-scan');
    const phone = await f.scan(link);
    await phone.received(1);
    await phone.say({ type: 'reject', reason });
    const end = await flow.finished;
    assert.ok(end.status === 'failed' && end.reason === expected, reason);
    assert.ok(end.message.length > 10);
  }
});

test('relay closes after the scan: peer-left / relay-closed / expired map to their states', async () => {
  const cases: [Parameters<RelayEvents['closed']>[0]['reason'], QrLoginState['status'], string?][] =
    [
      ['peer-left', 'failed', 'peer-left'],
      ['abuse', 'failed', 'relay-closed'],
      ['expired', 'expired'],
      ['cancelled', 'cancelled'],
    ];
  for (const [reason, status, failReason] of cases) {
    const f = fakeRelay();
    const { ceremony } = fakeCeremony('sign-in');
    const flow = start(f.relay, ceremony);
    const { link } = await waitForState(flow, 'waiting-for-scan');
    const phone = await f.scan(link);
    await phone.received(1);
    f.ev().closed({ pairingId: phone.pairingId, reason });
    const end = await flow.finished;
    assert.equal(end.status, status, reason);
    if (failReason) assert.ok(end.status === 'failed' && end.reason === failReason);
  }
});

test('no relay, a refusing relay, a relay with a foreign pairing id, a lost connection: server-unreachable', async () => {
  for (const opts of [{ failConnect: true }, { refuseCreate: true }, { foreignId: true }]) {
    const f = fakeRelay(opts);
    const fake = fakeCeremony('sign-in');
    const flow = start(f.relay, fake.ceremony);
    const end = await flow.finished;
    assert.ok(end.status === 'failed' && end.reason === 'server-unreachable');
    // A relay answering an id the QR's key does not give gets no attempt linked to it.
    assert.deepEqual(fake.calls.begin, []);
  }
  const f = fakeRelay();
  const flow = start(f.relay, fakeCeremony('sign-in').ceremony);
  await waitForState(flow, 'waiting-for-scan');
  f.ev().lost();
  const end = await flow.finished;
  assert.ok(end.status === 'failed' && end.reason === 'server-unreachable');
});

test('nobody scans within maxWaitMs: expired, and the pairing is ended', async (t) => {
  // The flow's timers are unref'd (they must not keep an app alive): keep this test alive.
  const keepAlive = setInterval(() => undefined, 1_000);
  t.onTestFinished(() => clearInterval(keepAlive));
  const f = fakeRelay();
  const flow = start(f.relay, fakeCeremony('sign-in').ceremony, 200);
  await waitForState(flow, 'waiting-for-scan');
  assert.equal((await flow.finished).status, 'expired');
  assert.equal(f.log.cancelled.length, 1);
});

test('cancelled while the server verifies: the late result is undone, the state stays cancelled', async () => {
  const f = fakeRelay();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let undone = false;
  const { ceremony } = fakeCeremony('sign-in', async (_id, _code, ctx) => {
    await gate;
    if (!ctx.claim()) {
      undone = true;
      return null;
    }
    return { state: { status: 'signed-in', user: USER } };
  });
  const flow = start(f.relay, ceremony);
  const { link } = await waitForState(flow, 'waiting-for-scan');
  const phone = await f.scan(link);
  await phone.received(1);
  await phone.say({ type: 'approved' });
  await waitForState(flow, 'verifying');
  await flow.cancel();
  release();
  assert.equal((await flow.finished).status, 'cancelled');
  await flow.submitCode('123456');
  assert.equal(undone, true);
  assert.deepEqual(f.log.completed, []);
});

test('cancel after the server signed in (the login screen unmounting) is too late: the phone hears done, the flow ends signed-in', async () => {
  // The race CI met: adopt() stores the tokens and the session turns signed-in, the renderer
  // leaves the QR screen and cancels on the way out. Before, that cancel reached the relay
  // ahead of "done" and the phone read "cancelled on your computer" for a sign-in that worked.
  const f = fakeRelay();
  let adopted!: () => void;
  const adopting = new Promise<void>((r) => (adopted = r));
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const { ceremony } = fakeCeremony('sign-in', async (_id, _code, ctx) => {
    if (!ctx.claim()) return null;
    adopted();
    await gate; // adopt() still saving to the keychain
    return { state: { status: 'signed-in', user: USER }, accountHint: 'a***@example.com' };
  });
  const flow = start(f.relay, ceremony);
  const { link } = await waitForState(flow, 'waiting-for-scan');
  const phone = await f.scan(link);
  await phone.received(1);
  assert.equal(flow.cancellable, true, 'before the approval a cancel still ends the flow');
  await phone.say({ type: 'approved' });
  await adopting;
  assert.equal(flow.cancellable, false);
  await flow.cancel();
  release();
  assert.deepEqual(await flow.finished, { status: 'signed-in', user: USER });
  const [, done] = await phone.received(2);
  assert.deepEqual(done, { type: 'done', ok: true, accountHint: 'a***@example.com' });
  assert.deepEqual(f.log.cancelled, [], 'no pair:cancel went to the relay');
  assert.deepEqual(f.log.completed, [phone.pairingId]);
});
