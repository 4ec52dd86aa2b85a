/**
 * The retry banner's count (renderer/src/ui/useBackoff.ts): a failure is counted once per
 * attempt. An attempt that fails at once can reach React in one batch with its own 'trying',
 * so the phase reads 'failed' before and after the retry; counted by the change of phase, that
 * failure was missed, the banner stayed on "Trying…" and no further attempt was planned (seen
 * once in CI: test/e2e/flows.test.ts, "server down at launch").
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { isNewFailure } from '../../renderer/src/ui/useBackoff';

test('a failure is counted once per attempt, also when the phase never left "failed"', () => {
  // The first failure, at launch.
  assert.equal(isNewFailure(true, 0, null), true);
  // Re-renders and a second report of the same failed attempt count nothing more.
  assert.equal(isNewFailure(true, 0, 0), false);
  // The retry's own failure, batched with its 'trying': still 'failed', a new attempt.
  assert.equal(isNewFailure(true, 1, 0), true);
  // While an attempt runs, or after it worked, nothing is counted.
  assert.equal(isNewFailure(false, 2, 1), false);
});
