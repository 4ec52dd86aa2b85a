// Mutation testing of the security modules (issue 12): `npm run test:mutation`.
// Each module must keep a score of at least 85 (scripts/mutation-check.mjs reads the JSON
// report: Stryker's own `thresholds.break` is one figure for all files together).

/** The modules whose rules a wrong change would silently break, grouped by the rule they keep. */
export const securityModules = [
  // the end-to-end channel and the QR link
  'server/protocol/channel.ts',
  'server/protocol/qr-link.ts',
  // the tunnel protocol and the relay core
  'server/protocol/tunnel.ts',
  'server/tunnel/pairings.ts',
  'server/tunnel/relay.ts',
  'server/tunnel/network-check.ts',
  'server/tunnel/client-ip.ts',
  'server/tunnel/limits.ts',
  // client address and proxy trust
  'server/http/client-address.ts',
  'server/http/subnet.ts',
  // rate limits and throttling
  'server/rate-limit/rate-limiter.ts',
  'server/rate-limit/attempt-guard.ts',
  'server/rate-limit/ip-limiter.ts',
  // sessions and refresh rotation
  'server/sessions/session-store.ts',
  // sign-in and registration verification
  'server/passkeys/login-routes.ts',
  'server/passkeys/register-routes.ts',
  'server/passkeys/policy.ts',
  // attempts and reverse codes
  'server/passkeys/attempt-stores.ts',
  'server/passkeys/paired-attempts.ts',
  // step-up, TOTP and recovery codes
  'server/step-up/routes.ts',
  'server/totp/totp.ts',
  'server/totp/second-factor.ts',
  'server/totp/recovery-codes.ts',
  // the desktop: IPC sender check and argument parsing, app:// paths, the token vault
  'electron/ipc/sender.ts',
  'electron/ipc/dispatch.ts',
  'electron/window/app-protocol.ts',
  'electron/services/token-vault.ts',
];

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  vitest: {
    configFile: 'vitest.stryker.config.ts',
    // Each mutant runs only the test files that import its module (directly or not), and of
    // those only the tests that reached the mutated code in the dry run (perTest coverage).
    related: true,
  },
  coverageAnalysis: 'perTest',
  // Every covering test runs against each mutant, not just up to the first that fails, so the
  // report's killedBy names all the tests that catch it (which rule pins which mutant).
  disableBail: true,
  mutate: securityModules,
  // The report of the last run: a later run re-tests only the mutants whose module or covering
  // tests changed. Under reports/ with the HTML report.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  // The per-module gate is scripts/mutation-check.mjs; this keeps Stryker's exit code about
  // whether the run itself worked.
  thresholds: { high: 90, low: 85, break: null },
  // Two workers: the machine has two cores; test files get their own SQLite file, PostgreSQL
  // schema and redis-server (test/setup/services.ts), so workers never share state.
  concurrency: 2,
  // Real servers and key derivation: a mutant that hangs shows as a timeout, not a pass.
  timeoutMS: 60_000,
  timeoutFactor: 2,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // The first run (the "dry run") runs every related test once, one file at a time.
  dryRunTimeoutMinutes: 30,
  // dist/ stays: the phone pages the relay tests load are built there (scripts/mutation.sh).
  ignorePatterns: ['reports', 'out', 'release', 'data', '.data', 'test-results'],
};
