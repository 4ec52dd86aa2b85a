/**
 * The in-memory rate-limit store's windows and backoffs (server/rate-limit/rate-limiter.ts) at
 * their edges, as rules a wrong change would break (issue 12): a window ends exactly when its
 * time is up, whether or not a sweep ran; a backoff is forgotten exactly a window after the
 * last failure, and then starts over with its free failures; sweeps are rationed to one a
 * minute and drop windows and backoffs alike; a delay long past is no delay at all.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import {
  MemoryRateLimitStore,
  backoffWaitSeconds,
  rateLimited,
} from '../../../server/rate-limit/rate-limiter';
import { FrozenClock } from '../../support/frozen-clock';

const short = { max: 2, windowSeconds: 30 };
const quick = { freeFailures: 2, firstDelaySeconds: 5, maxDelaySeconds: 20, windowSeconds: 30 };

test('a window ends exactly when its time is up, before any sweep is due', () => {
  const clock = new FrozenClock();
  const store = new MemoryRateLimitStore(clock);
  assert.equal(store.hit('k', short), 0);
  assert.equal(store.hit('k', short), 0);
  assert.equal(store.hit('k', short), 30, 'over the limit: the rest of the window');
  clock.advance(29_999);
  assert.equal(store.check('k', short), 1, 'a moment before the end');
  clock.advance(1); // 30 s: no sweep yet (those run once a minute)
  assert.equal(store.check('k', short), 0, 'free at the end of the window');
  assert.equal(store.hit('k', short), 0);
  assert.equal(store.hit('k', short), 0);
  assert.equal(store.hit('k', short), 30, 'a new window with its own count');
});

test('a backoff is forgotten exactly a window after the last failure, then starts over', () => {
  const clock = new FrozenClock();
  const store = new MemoryRateLimitStore(clock);
  assert.equal(store.backoffHit('k', quick), 0);
  assert.equal(store.backoffHit('k', quick), 5);
  clock.advance(29_999);
  assert.equal(store.backoffHit('k', quick), 10, 'remembered a moment before the end');
  clock.advance(30_000); // a whole window after that failure; no sweep due yet
  assert.equal(store.backoffCheck('k', quick), 0);
  assert.equal(store.backoffHit('k', quick), 0, 'free failures again');
  assert.equal(store.backoffHit('k', quick), 5);
});

test('sweeps run at most once a minute and drop finished windows and backoffs alike', () => {
  const clock = new FrozenClock();
  const store = new MemoryRateLimitStore(clock);
  store.hit('w', short);
  store.backoffHit('b', quick);
  assert.equal(store.size, 2, 'one window and one backoff');
  clock.advance(40_000); // both are over, but the minute is not
  store.check('other', short);
  assert.equal(store.size, 3, 'not swept yet');
  clock.advance(20_000); // a minute since the store started: this call sweeps
  store.check('other', short);
  assert.equal(store.size, 1, 'only the running window is left');
  // A backoff whose window ends exactly at a sweep is dropped by it.
  store.backoffHit('edge', { ...quick, windowSeconds: 60 });
  clock.advance(60_000);
  store.check('other', short);
  assert.equal(store.size, 1, 'the backoff ended exactly now and was swept');
});

test('a delay long past is no delay, and the 429 says how long to wait', () => {
  const now = 1_000_000;
  assert.equal(backoffWaitSeconds(quick, 3, now, now + 10_000), 0, 'exactly over');
  assert.equal(backoffWaitSeconds(quick, 3, now, now + 3_600_000), 0, 'an hour later');
  const err = rateLimited(42);
  assert.equal(err.status, 429);
  assert.equal(err.code, 'rate_limited');
  assert.match(err.message, /Try again in 42 seconds\./);
});

test('a backoff that started over is forgotten a window later in turn', () => {
  const clock = new FrozenClock();
  const store = new MemoryRateLimitStore(clock);
  store.backoffHit('k', quick);
  clock.advance(30_000); // forgotten
  assert.equal(store.backoffHit('k', quick), 0, 'starts over');
  clock.advance(60_000); // a window after that failure, and a sweep is due
  store.check('other', short);
  assert.equal(store.size, 1, 'only the other window is left');
});
