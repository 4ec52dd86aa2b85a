/**
 * The checks every QR ceremony shares (server/passkeys/paired-attempts.ts) as rules a wrong
 * change would break (issue 12): approve finds only a live, unapproved attempt of its kind;
 * redeem refuses at the last millisecond as after it; the copy the redeem takes is the one that
 * counts (with shared state another process may have changed the attempt between read and
 * take); every refusal says what to do in words; the account hint and the framing check.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import {
  MemoryLoginAttemptStore,
  type LoginAttempt,
} from '../../../server/passkeys/attempt-stores';
import {
  accountHint,
  attemptForPairing,
  crossOriginProblem,
  redeemAttempt,
  refusePaired,
} from '../../../server/passkeys/paired-attempts';
import type { Clock } from '../../../server/util/clock';

class FrozenClock implements Clock {
  t = Date.UTC(2026, 0, 1);
  now(): number {
    return this.t;
  }
}

const approval = { userId: 'u', passkeyId: 'p', passkeyName: 'Phone' };

function setup() {
  const clock = new FrozenClock();
  const store = new MemoryLoginAttemptStore(clock);
  const links = new Map<string, { kind: 'sign-in' | 'add-passkey'; attemptId: string }>();
  const pairingLink = {
    linkAttempt: async () => true,
    linkedAttempt: async (id: string) => links.get(id) ?? null,
    reverseCodeFor: async () => undefined,
  };
  const ctx = { clock, pairingLink } as unknown as Parameters<typeof redeemAttempt>[0];
  return { clock, store, links, ctx };
}

async function refused(p: Promise<unknown> | (() => unknown), status: number, code: string) {
  const run = typeof p === 'function' ? Promise.resolve().then(p) : p;
  await assert.rejects(run, (err: { status: number; code: string; message: string }) => {
    assert.equal(err.code, code);
    assert.equal(err.status, status);
    assert.match(err.message, /^[A-Z].{15,}\.$/, err.message);
    return true;
  });
}

test('approve finds only a live, unapproved attempt of its own kind', async () => {
  const { clock, store, links, ctx } = setup();
  await refused(attemptForPairing(ctx, store, 'none', 'sign-in'), 404, 'pairing_not_found');
  const a = store.create('c', 60_000, 'pair');
  links.set('pair', { kind: 'sign-in', attemptId: a.id });
  await refused(attemptForPairing(ctx, store, 'pair', 'add-passkey'), 404, 'pairing_not_found');
  assert.equal((await attemptForPairing(ctx, store, 'pair', 'sign-in')).id, a.id);
  links.set('gone', { kind: 'sign-in', attemptId: 'missing' });
  await refused(attemptForPairing(ctx, store, 'gone', 'sign-in'), 400, 'attempt_not_found');
  store.approve(a.id, approval);
  await refused(attemptForPairing(ctx, store, 'pair', 'sign-in'), 409, 'already_approved');
  const d = store.create('c', 60_000, 'dead');
  links.set('dead', { kind: 'sign-in', attemptId: d.id });
  for (let i = 0; i < 5; i++) store.recordWrongReverseCode(d.id);
  await refused(attemptForPairing(ctx, store, 'dead', 'sign-in'), 400, 'attempt_dead');
  const e = store.create('c', 1000, 'late');
  links.set('late', { kind: 'sign-in', attemptId: e.id });
  clock.t += 1000; // its last millisecond is over
  await refused(attemptForPairing(ctx, store, 'late', 'sign-in'), 400, 'challenge_expired');
});

test('redeem: approved, the right code, before the end, once; refusals say what to do', async () => {
  const { clock, store, ctx } = setup();
  const a = store.create('c', 60_000, 'p');
  await refused(redeemAttempt(ctx, store, a.id, undefined), 409, 'not_approved');
  store.approve(a.id, approval);
  const code = store.issueReverseCode(a.id);
  const wrong = code === '000000' ? '000001' : '000000';
  await refused(redeemAttempt(ctx, store, a.id, undefined), 400, 'reverse_code_required');
  await assert.rejects(redeemAttempt(ctx, store, a.id, wrong), (err: Error) => {
    assert.equal(err.message, 'That code is not the one on your phone. 4 tries left.');
    return true;
  });
  for (let i = 0; i < 2; i++) await redeemAttempt(ctx, store, a.id, wrong).catch(() => undefined);
  await assert.rejects(redeemAttempt(ctx, store, a.id, wrong), (err: Error) => {
    assert.equal(err.message, 'That code is not the one on your phone. 1 try left.');
    return true;
  });
  await assert.rejects(redeemAttempt(ctx, store, a.id, wrong), (err: Error) => {
    assert.equal(err.message, 'Too many wrong codes. Start again with a new QR code.');
    return true;
  });
  await refused(redeemAttempt(ctx, store, a.id, code), 400, 'attempt_dead');

  const b = store.create('c', 60_000, 'p');
  store.approve(b.id, approval);
  const bCode = store.issueReverseCode(b.id);
  assert.equal((await redeemAttempt(ctx, store, b.id, bCode)).approval.userId, 'u');
  await refused(redeemAttempt(ctx, store, b.id, bCode), 400, 'attempt_not_found');

  const c = store.create('c', 1000, 'p');
  store.approve(c.id, approval);
  clock.t += 1000;
  await refused(redeemAttempt(ctx, store, c.id, undefined), 400, 'challenge_expired');
  assert.equal(store.get(c.id), undefined, 'an expired attempt is spent');
});

test('the copy the redeem takes is the one that counts', async () => {
  const { store, ctx } = setup();
  // A store whose take sees a later state than its get, as another process could leave it.
  const later = (change: (a: LoginAttempt) => LoginAttempt | undefined) =>
    Object.assign(Object.create(store) as MemoryLoginAttemptStore, {
      take: (id: string) => {
        const a = store.take(id);
        return a && change({ ...a });
      },
    });
  const approved = () => {
    const a = store.create('c', 60_000, 'p');
    store.approve(a.id, approval);
    return a;
  };
  let a = approved();
  await refused(
    redeemAttempt(
      ctx,
      later(() => undefined),
      a.id,
      undefined,
    ),
    400,
    'attempt_not_found',
  );
  a = approved();
  await refused(
    redeemAttempt(
      ctx,
      later((x) => ({ ...x, dead: true })),
      a.id,
      undefined,
    ),
    400,
    'attempt_dead',
  );
  a = approved();
  await refused(
    redeemAttempt(
      ctx,
      later((x) => ({ ...x, approval: null })),
      a.id,
      undefined,
    ),
    400,
    'attempt_not_found',
  );
  // A reverse code issued meanwhile must be given, and be the right one.
  a = approved();
  const withCode = (x: LoginAttempt) => ({ ...x, reverseCodeHash: 'another-code' });
  await refused(redeemAttempt(ctx, later(withCode), a.id, undefined), 400, 'attempt_not_found');
  a = approved();
  await refused(redeemAttempt(ctx, later(withCode), a.id, '123456'), 400, 'attempt_not_found');
  a = approved();
  assert.equal(
    (
      await redeemAttempt(
        ctx,
        later((x) => x),
        a.id,
        undefined,
      )
    ).id,
    a.id,
  );
});

test('one-step verify refuses a QR attempt; the hint and the framing check', async () => {
  await refused(() => refusePaired({ pairingId: 'p' }), 400, 'attempt_paired');
  refusePaired({ pairingId: null });
  assert.equal(accountHint('alice@example.com'), 'a***@example.com');
  assert.equal(accountHint('a@x'), 'a***@x');
  assert.equal(accountHint('@example.com'), '***');
  assert.equal(accountHint('nobody'), '***');
  const b64 = (v: string) => Buffer.from(v).toString('base64url');
  assert.equal(crossOriginProblem(b64('{"type":"webauthn.get"}')), null);
  assert.equal(crossOriginProblem(b64('{"crossOrigin":false}')), null);
  assert.equal(crossOriginProblem(b64('{"crossOrigin":true}')), 'cross_origin');
  assert.equal(crossOriginProblem(b64('{"topOrigin":"https://x"}')), 'cross_origin');
  for (const bad of ['not json', 'null', '"text"', '42', 'true']) {
    assert.equal(crossOriginProblem(b64(bad)), 'malformed_response', bad);
  }
});
