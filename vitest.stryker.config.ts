/**
 * The tests Stryker runs against each mutant (stryker.config.mjs): the `unit` and `server`
 * projects of vitest.config.ts. The `renderer` and `e2e` projects and the phone web app's tests
 * are left out: each file starts Chromium (and e2e a whole desktop + server + phone), a few
 * seconds per file even before a test runs, and Stryker would start them again for every
 * mutant they cover. The security rules they prove end to end are also asserted by server or
 * unit tests that reach the same code without a browser (test/server/**, test/protocol/**).
 * Also left out: the 200-desktop load test (it measures throughput, and on a shared machine it
 * loses a pairing now and then), and PostgreSQL: the stores' queries are the same on SQLite,
 * which every store test also runs, and PostgreSQL files running at once in several Stryker
 * workers trip over each other's migration tables. They skip, saying so.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config';

const unit = ['test/electron/**/*.test.ts', 'test/protocol/**/*.test.ts'];
const server = ['test/server/**/*.test.ts', 'test/tunnel/**/*.test.ts'];
const browser = ['test/phone/**/*.test.ts', 'test/server/phone/**/*.test.ts'];
const slow = ['test/electron/services/load.test.ts'];
// Files of the unit and server projects that drive Chromium (the phone pages, the desktop UI).
const chromium = [
  'test/electron/cli/cli.test.ts',
  'test/electron/ipc/handlers.test.ts',
  'test/electron/main/app-csp.test.ts',
  'test/electron/preload/browser-preload.test.ts',
  'test/electron/services/qr-attacks.test.ts',
  'test/electron/services/qr-sign-in.test.ts',
  'test/server/passkeys-browser.test.ts',
  'test/server/tunnel/pair-page.test.ts',
];

export default defineConfig({
  resolve: base.resolve,
  test: {
    // The same pool and time limits as vitest.config.ts; Stryker turns coverage off itself.
    pool: base.test?.pool,
    testTimeout: base.test?.testTimeout,
    hookTimeout: base.test?.hookTimeout,
    teardownTimeout: base.test?.teardownTimeout,
    // Nothing listens there: test/support/postgres.ts reports PostgreSQL unreachable.
    env: { TEST_POSTGRES_URL: 'postgres://postgres@127.0.0.1:1/none' },
    // Stryker reads the results itself; the verbose reporter would only fill its log.
    reporters: ['dot'],
    projects: [
      { extends: true, test: { name: 'unit', include: unit, exclude: [...slow, ...chromium] } },
      {
        extends: true,
        test: {
          name: 'server',
          include: server,
          exclude: [...browser, ...chromium],
          globalSetup: ['test/setup/services.ts'],
        },
      },
    ],
  },
});
