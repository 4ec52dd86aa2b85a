/**
 * The in-memory rate-limit store's sweep (server/rate-limit/rate-limiter.ts) drops finished
 * windows and forgotten backoffs only: a lockout still running survives every sweep, however
 * many other keys come and go meanwhile (issue 12: a sweep that deleted live windows turned a
 * 15-minute lockout into a minute).
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { MemoryRateLimitStore, backoffWaitSeconds } from '../../../server/rate-limit/rate-limiter';
import { ManualClock } from '../../../server/util/clock';

const lockout = { max: 3, windowSeconds: 15 * 60 };
const throttle = {
  freeFailures: 2,
  firstDelaySeconds: 60,
  maxDelaySeconds: 600,
  windowSeconds: 3600,
};

test('a 15-minute lockout outlives the sweeps that other keys trigger every minute', () => {
  const clock = new ManualClock();
  const store = new MemoryRateLimitStore(clock);
  for (let i = 0; i < lockout.max; i++) assert.equal(store.hit('login:victim', lockout), 0);
  assert.ok(store.hit('login:victim', lockout) > 0, 'locked after max hits');
  // Other clients keep the store busy; each minute a sweep runs.
  for (let minute = 1; minute < 15; minute++) {
    clock.advance(60_000);
    store.hit(`login:other-${minute}`, lockout);
    const wait = store.check('login:victim', lockout);
    assert.ok(wait > 0, `still locked after ${minute} min`);
    assert.equal(wait, (15 - minute) * 60, 'the wait counts down from the first hit');
  }
  clock.advance(60_000);
  assert.equal(store.hit('login:victim', lockout), 0, 'free once its 15 minutes are over');
});

test('the sweep drops the finished windows and keeps the running ones', () => {
  const clock = new ManualClock();
  const store = new MemoryRateLimitStore(clock);
  store.hit('short', { max: 1, windowSeconds: 30 });
  store.hit('long', lockout);
  assert.equal(store.size, 2);
  clock.advance(60_000);
  store.check('third', lockout);
  assert.equal(store.size, 2, 'short was dropped, long and third kept');
  // "long" still has its count: two more hits reach the limit.
  store.hit('long', lockout);
  store.hit('long', lockout);
  assert.ok(store.hit('long', lockout) > 0);
});

test('a throttled key keeps its delay through sweeps until its window is over', () => {
  const clock = new ManualClock();
  const store = new MemoryRateLimitStore(clock);
  store.backoffHit('pw:victim', throttle);
  store.backoffHit('pw:victim', throttle);
  assert.equal(store.backoffHit('pw:victim', throttle), 120, 'third failure: 2 x 60 s');
  clock.advance(60_000);
  store.hit('someone-else', lockout); // triggers a sweep
  assert.equal(store.backoffCheck('pw:victim', throttle), 60);
  // After the delay the next failure doubles it: the count was kept.
  clock.advance(60_000);
  assert.equal(store.backoffCheck('pw:victim', throttle), 0);
  assert.equal(store.backoffHit('pw:victim', throttle), 240);
  // A whole window without failures: forgotten, and swept.
  clock.advance(throttle.windowSeconds * 1000);
  store.hit('another', lockout);
  assert.equal(store.backoffCheck('pw:victim', throttle), 0);
  assert.equal(store.backoffHit('pw:victim', throttle), 0, 'starts over with free failures');
});

test('backoff delay: free failures, then doubling up to the cap, counted from the last failure', () => {
  const now = 1_000_000;
  assert.equal(backoffWaitSeconds(throttle, 1, now, now), 0);
  assert.equal(backoffWaitSeconds(throttle, 2, now, now), 60);
  assert.equal(backoffWaitSeconds(throttle, 3, now, now), 120);
  assert.equal(backoffWaitSeconds(throttle, 5, now, now), 480);
  assert.equal(backoffWaitSeconds(throttle, 6, now, now), 600, 'capped');
  assert.equal(backoffWaitSeconds(throttle, 1000, now, now), 600, 'no overflow');
  assert.equal(backoffWaitSeconds(throttle, 3, now, now + 119_500), 1, 'rounded up');
  assert.equal(backoffWaitSeconds(throttle, 3, now, now + 120_000), 0);
});
