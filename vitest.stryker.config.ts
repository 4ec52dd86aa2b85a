/**
 * The tests Stryker runs against each mutant (stryker.config.mjs): the `unit` and `server`
 * projects of vitest.config.ts. The `renderer` and `e2e` projects and the phone web app's tests
 * are left out: each file starts Chromium (and e2e a whole desktop + server + phone), a few
 * seconds per file even before a test runs, and Stryker would start them again for every
 * mutant they cover. The security rules they prove end to end are also asserted by server or
 * unit tests that reach the same code without a browser (test/server/**, test/protocol/**).
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config';

const unit = ['test/electron/**/*.test.ts', 'test/protocol/**/*.test.ts'];
const server = ['test/server/**/*.test.ts', 'test/tunnel/**/*.test.ts'];
const browser = ['test/phone/**/*.test.ts', 'test/server/phone/**/*.test.ts'];

export default defineConfig({
  resolve: base.resolve,
  test: {
    // The same pool and time limits as vitest.config.ts; Stryker turns coverage off itself.
    pool: base.test?.pool,
    testTimeout: base.test?.testTimeout,
    hookTimeout: base.test?.hookTimeout,
    teardownTimeout: base.test?.teardownTimeout,
    // Stryker reads the results itself; the verbose reporter would only fill its log.
    reporters: ['dot'],
    projects: [
      { extends: true, test: { name: 'unit', include: unit } },
      {
        extends: true,
        test: {
          name: 'server',
          include: server,
          exclude: browser,
          globalSetup: ['test/setup/services.ts'],
        },
      },
    ],
  },
});
