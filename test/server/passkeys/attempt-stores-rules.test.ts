/**
 * The in-memory attempt stores (server/passkeys/attempt-stores.ts), asserted as rules
 * (issue 12): `take` spends an attempt (a second take, or a get, finds nothing) while `get`
 * leaves it; `takeUnpaired` spends only an attempt no pairing is linked to; wrong reverse codes count to five and then the attempt is dead for good; issuing a
 * code again replaces the code but never the count; an expired attempt is kept for a grace so a
 * late verify hears "expired", and a full store refuses new ones with 503 until room is made.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import {
  DEFAULT_MAX_LIVE_ATTEMPTS,
  MAX_REVERSE_CODE_TRIES,
  MemoryLoginAttemptStore,
  MemoryRegistrationAttemptStore,
  hashReverseCode,
} from '../../../server/passkeys/attempt-stores';
import { ApiError } from '../../../server/http/errors';
import { FrozenClock } from '../../support/frozen-clock';

const approval = { userId: 'u1', passkeyId: 'p1', passkeyName: 'Phone' };

test('take spends the attempt once; get does not', () => {
  const store = new MemoryLoginAttemptStore(new FrozenClock());
  const a = store.create('challenge-a', 60_000, null);
  assert.equal(store.get(a.id)?.challenge, 'challenge-a');
  assert.equal(store.get(a.id)?.challenge, 'challenge-a', 'get leaves it');
  assert.equal(store.take(a.id)?.challenge, 'challenge-a');
  assert.equal(store.take(a.id), undefined, 'spent');
  assert.equal(store.get(a.id), undefined);
  assert.equal(store.map.size, 0);
  assert.equal(store.take('never-issued'), undefined);
});

test('takeUnpaired spends a direct attempt once, and leaves a QR-linked one in place', () => {
  const store = new MemoryLoginAttemptStore(new FrozenClock());
  const direct = store.create('challenge-d', 60_000, null);
  assert.equal(store.takeUnpaired(direct.id)?.challenge, 'challenge-d');
  assert.equal(store.takeUnpaired(direct.id), undefined, 'spent');
  assert.equal(store.get(direct.id), undefined);
  const paired = store.create('challenge-p', 60_000, 'pairing-1');
  assert.equal(store.takeUnpaired(paired.id)?.pairingId, 'pairing-1', 'shown, so it is refused');
  assert.equal(store.takeUnpaired(paired.id)?.pairingId, 'pairing-1', 'and still there');
  assert.equal(store.get(paired.id)?.challenge, 'challenge-p');
  assert.equal(store.map.size, 1);
  assert.equal(store.takeUnpaired('never-issued'), undefined);
});

test('a new attempt starts live: unapproved, no code, no wrong tries, with its own id', () => {
  const clock = new FrozenClock();
  const store = new MemoryLoginAttemptStore(clock);
  const a = store.create('c', 60_000, 'pairing-1');
  const b = store.create('c', 60_000, null);
  assert.notEqual(a.id, b.id);
  assert.deepEqual(
    { ...a, id: 'x' },
    {
      id: 'x',
      challenge: 'c',
      expiresAt: clock.now() + 60_000,
      pairingId: 'pairing-1',
      reverseCodeHash: null,
      wrongReverseCodes: 0,
      dead: false,
      approval: null,
    },
  );
  const reg = new MemoryRegistrationAttemptStore(clock);
  const r = reg.create('c', 30_000, 'session-1', 'user-1');
  assert.deepEqual(
    [r.sessionId, r.userId, r.pairingId, r.dead, r.approval, r.expiresAt],
    ['session-1', 'user-1', null, false, null, clock.now() + 30_000],
  );
});

test('five wrong reverse codes kill the attempt for good; re-issuing a code does not reset the count', () => {
  const store = new MemoryLoginAttemptStore(new FrozenClock());
  const a = store.create('c', 60_000, 'pairing-1');
  const first = store.issueReverseCode(a.id);
  assert.equal(store.recordWrongReverseCode(a.id), 4);
  assert.equal(store.recordWrongReverseCode(a.id), 3);
  const second = store.issueReverseCode(a.id);
  assert.equal(store.get(a.id)?.reverseCodeHash, hashReverseCode(a.id, second));
  if (first !== second) {
    assert.notEqual(store.get(a.id)?.reverseCodeHash, hashReverseCode(a.id, first), 'replaced');
  }
  assert.equal(store.get(a.id)?.wrongReverseCodes, 2, 'kept');
  assert.equal(store.recordWrongReverseCode(a.id), 2);
  assert.equal(store.recordWrongReverseCode(a.id), 1);
  assert.equal(store.get(a.id)?.dead, false, 'one try left');
  assert.equal(store.recordWrongReverseCode(a.id), 0);
  assert.equal(store.get(a.id)?.dead, true);
  assert.equal(store.recordWrongReverseCode(a.id), 0, 'stays at zero');
  assert.equal(store.get(a.id)?.dead, true);
  assert.throws(() => store.issueReverseCode(a.id), /no live attempt/);
  assert.equal(store.approve(a.id, approval), false, 'a dead attempt takes no approval');
  assert.equal(store.recordWrongReverseCode('unknown'), 0);
  assert.equal(MAX_REVERSE_CODE_TRIES, 5);
});

test('reverse codes are six digits, stored hashed and bound to their attempt', () => {
  const store = new MemoryRegistrationAttemptStore(new FrozenClock());
  const a = store.create('c', 60_000, 's', 'u', 'pairing-1');
  const b = store.create('c', 60_000, 's', 'u', 'pairing-2');
  const code = store.issueReverseCode(a.id);
  assert.match(code, /^\d{6}$/);
  assert.equal(store.get(a.id)?.reverseCodeHash, hashReverseCode(a.id, code));
  assert.notEqual(hashReverseCode(a.id, code), hashReverseCode(b.id, code));
  assert.notEqual(hashReverseCode(a.id, code), code);
  assert.throws(() => store.issueReverseCode('unknown'), /no live attempt/);
});

test('approve parks one approval on a live attempt, up to its last millisecond', () => {
  const clock = new FrozenClock();
  const store = new MemoryLoginAttemptStore(clock);
  const a = store.create('c', 60_000, 'p');
  const b = store.create('c', 60_000, 'p');
  clock.advance(60_000 - 1);
  assert.equal(store.approve(a.id, approval), true);
  assert.deepEqual(store.get(a.id)?.approval, approval);
  assert.equal(store.approve(a.id, { ...approval, userId: 'u2' }), false);
  assert.deepEqual(store.get(a.id)?.approval, approval, 'the first approval stays');
  clock.advance(1);
  assert.equal(store.approve(b.id, approval), false, 'expired at expiresAt');
  assert.equal(store.get(b.id)?.approval, null);
  assert.throws(() => store.issueReverseCode(b.id), /no live attempt/, 'no code when expired');
});

test('an expired attempt is kept five minutes for a clear "expired", then swept', () => {
  const clock = new FrozenClock();
  const store = new MemoryLoginAttemptStore(clock);
  const a = store.create('c', 60_000, null);
  clock.advance(60_000 + 5 * 60_000);
  store.create('other', 60_000, null); // a put sweeps
  assert.ok(store.get(a.id), 'still there at the end of the grace');
  clock.advance(1000); // sweeps run at most once a second
  store.create('third', 60_000, null);
  assert.equal(store.get(a.id), undefined, 'gone after it');
  assert.equal(store.map.size, 2);
});

test('a full store answers 503 server_busy; attempts that timed out give up their grace first', () => {
  const clock = new FrozenClock();
  const store = new MemoryLoginAttemptStore(clock, { maxLive: 2 });
  const old = store.create('c', 1000, null);
  clock.advance(500);
  store.create('c', 60_000, null);
  assert.throws(
    () => store.create('c', 60_000, null),
    (err: unknown) =>
      err instanceof ApiError &&
      err.status === 503 &&
      err.code === 'server_busy' &&
      /busy.*try again/i.test(err.message),
  );
  clock.advance(500); // the first has timed out, and the next sweep is due
  store.create('c', 60_000, null);
  assert.equal(store.get(old.id), undefined, 'the timed-out one made room');
  assert.throws(() => store.create('c', 60_000, null), ApiError, 'both live: full again');
  assert.equal(DEFAULT_MAX_LIVE_ATTEMPTS, 20_000);
});
