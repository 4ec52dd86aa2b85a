/**
 * The tests Stryker runs against each mutant (stryker.config.mjs): the `unit` and `server`
 * projects of vitest.config.ts, without what drives Chromium: the `renderer` and `e2e`
 * projects, the phone web app's tests and the few unit and server files listed below. Each
 * starts a browser (e2e a whole desktop + server + phone), seconds per file before a test runs,
 * again for every mutant it covers, and under a shared machine's load they time out now and
 * then, which fails Stryker's first run. The security rules they prove end to end are also
 * asserted without a browser (test/server/**, test/protocol/**, test/electron/**).
 * Also left out: the 200-desktop load test (it measures throughput, and on a shared machine it
 * loses a pairing now and then), and PostgreSQL: the stores' queries are the same on SQLite,
 * which every store test also runs, and PostgreSQL files running at once in several Stryker
 * workers trip over each other's migration tables. They skip, saying so.
 *
 * The files that load the real keytar form a third project, `keychain`, in the forks pool (why
 * below): `npm run test:mutation -- --modules electron/services/token-vault.ts` runs against
 * the real gnome-keyring of scripts/with-keyring.sh.
 */
import { defineConfig, type Plugin } from 'vitest/config';
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
// The files of those projects that load the real keytar. Stryker's vitest runner runs every
// project in worker threads (it passes `pool: 'threads'`, which vitest applies to each project
// over its config), and each test file gets a fresh thread. keytar's libsecret is unloaded when
// the thread that loaded it ends while GObject keeps libsecret's types registered, so the next
// thread that loads keytar registers them again: GLib criticals, then a SIGSEGV of the whole
// runner child. A thread also cannot change the D-Bus address libsecret reads
// (process.env in a worker thread is a copy native code never sees), so no-keychain.test.ts
// would find the keyring. These files run in the forks pool instead, as in vitest.config.ts:
// one process per file, keytar loaded once in it.
const keychain = [
  'test/electron/services/token-vault*.test.ts',
  'test/electron/services/session*.test.ts',
  'test/electron/main/no-keychain.test.ts',
];

/** Puts a project back in the forks pool after the runner's `pool: 'threads'` override. */
const forksPool: Plugin = {
  name: 'keybridge:forks-pool',
  configureVitest({ project }) {
    project.config.pool = 'forks';
  },
};

export default defineConfig({
  resolve: base.resolve,
  test: {
    // The same pool and time limits as vitest.config.ts; Stryker turns coverage off itself.
    pool: base.test?.pool,
    testTimeout: base.test?.testTimeout,
    hookTimeout: base.test?.hookTimeout,
    teardownTimeout: base.test?.teardownTimeout,
    // Nothing listens there: test/support/postgres.ts reports PostgreSQL unreachable.
    // KEYBRIDGE_MUTATION: tests that wait for an event may wait less (relay-rules.test.ts).
    env: { TEST_POSTGRES_URL: 'postgres://postgres@127.0.0.1:1/none', KEYBRIDGE_MUTATION: '1' },
    // Stryker reads the results itself; the verbose reporter would only fill its log.
    reporters: ['dot'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: unit, exclude: [...slow, ...chromium, ...keychain] },
      },
      { extends: true, plugins: [forksPool], test: { name: 'keychain', include: keychain } },
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
