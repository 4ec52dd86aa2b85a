/**
 * The attempt guard's success rule (server/rate-limit/attempt-guard.ts), asserted as the rule
 * a wrong change would break (issue 12): a success clears the delay of the subnet it came
 * from, so the owner's next typo is free again, and leaves the delays of other subnets, where
 * a guesser may sit, as they were.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { AttemptGuard } from '../../../server/rate-limit/attempt-guard';
import { MemoryRateLimitStore } from '../../../server/rate-limit/rate-limiter';
import { ManualClock } from '../../../server/util/clock';

const limits = {
  perAccount: { max: 100, windowSeconds: 900 },
  perIp: { max: 100, windowSeconds: 900 },
  perAccountAndSubnet: {
    freeFailures: 2,
    firstDelaySeconds: 10,
    maxDelaySeconds: 300,
    windowSeconds: 900,
  },
};

const waitOf = async (p: Promise<void>): Promise<number> =>
  p.then(
    () => 0,
    (e: { code: string; extra: { retryAfterSeconds: number } }) => {
      assert.equal(e.code, 'rate_limited');
      return e.extra.retryAfterSeconds;
    },
  );

test("a success clears its own subnet's delay and leaves other subnets' delays alone", async () => {
  const clock = new ManualClock();
  const guard = new AttemptGuard(new MemoryRateLimitStore(clock), limits);
  for (const ip of ['198.51.100.7', '203.0.113.9']) {
    await guard.recordFailure('password', 'a@x', ip);
    await guard.recordFailure('password', 'a@x', ip);
    assert.equal(await waitOf(guard.assertAllowed('password', 'a@x', ip)), 10, ip);
  }
  clock.advance(10_000);
  assert.equal(await waitOf(guard.assertAllowed('password', 'a@x', '198.51.100.7')), 0);
  await guard.recordSuccess('password', 'a@x', '198.51.100.42'); // the same /24
  // The owner's next typo from that network is one of the free failures again.
  await guard.recordFailure('password', 'a@x', '198.51.100.7');
  assert.equal(await waitOf(guard.assertAllowed('password', 'a@x', '198.51.100.7')), 0);
  // The other network's count stayed: its next failure doubles the delay.
  await guard.recordFailure('password', 'a@x', '203.0.113.9');
  assert.equal(await waitOf(guard.assertAllowed('password', 'a@x', '203.0.113.9')), 20);
});
