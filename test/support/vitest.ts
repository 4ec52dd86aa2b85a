/**
 * Two vitest helpers the node:test -> vitest migration needs (see the codemod notes in
 * docs/testing.md): a skip that keeps its printed reason, and sequential steps inside one test
 * (node:test's subtests), which share the test's setup.
 */
import { test, type TestContext } from 'vitest';

/**
 * `test.skipIf` that keeps the reason: with a reason the test is registered as skipped with it
 * as vitest's note (printed as `↓ name [reason]`); with false it is the plain `test`.
 */
export function skipIf(reason: string | false | undefined): typeof test {
  if (!reason) return test;
  const skipped = (name: string) => test(name, (ctx) => ctx.skip(reason));
  return skipped as unknown as typeof test;
}

/** One named step of a longer test: runs now, in order; a failure names the step. */
export async function step(
  t: TestContext,
  name: string,
  fn: () => Promise<void> | void,
): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof Error) err.message = `[${name}] ${err.message}`;
    throw err;
  }
  await t.annotate(`✓ ${name}`);
}
