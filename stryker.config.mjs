// Mutation testing of the security modules (issue 12): `npm run test:mutation`.
// Each module must keep a score of at least 85 (scripts/mutation-check.mjs reads the JSON
// report: Stryker's own `thresholds.break` is one figure for all files together).

/**
 * The modules whose rules a wrong change would silently break, grouped by the rule they keep,
 * each with the test files that exercise it: `npm run test:mutation -- --changed BASE` runs a
 * changed module against these only (scripts/mutation-scope.mjs), far quicker than every
 * related test. A full run uses every related test (vitest.related below).
 */
export const moduleTests = {
  // the end-to-end channel and the QR link, the tunnel protocol
  'server/protocol/channel.ts': ['test/protocol/*.test.ts'],
  'server/protocol/qr-link.ts': ['test/protocol/*.test.ts'],
  // Its schemas are built at load: only a test that imports it afresh sees a static mutant
  // (scripts/mutation.sh FRESH_IMPORT_MODULES), and a static mutant runs every listed test.
  'server/protocol/tunnel.ts': ['test/protocol/tunnel-schema-rules.test.ts'],
  // the desktop's HPKE recipient on node:crypto, held to @hpke/core by the differential test
  'electron/services/qr/hpke-recipient.ts': [
    'test/electron/services/hpke-recipient.test.ts',
    'test/protocol/channel.test.ts',
  ],
  // the relay core: the fast rule tests (no sockets for pairings; loopback socket.io with a
  // short test timeout for the gateway, so a mutant that silences an event fails in seconds)
  'server/tunnel/pairings.ts': [
    'test/server/tunnel/pairings-core.test.ts',
    'test/server/tunnel/pairings-rules.test.ts',
  ],
  'server/tunnel/relay.ts': ['test/server/tunnel/relay-rules.test.ts'],
  // Its private ranges are built at load (scripts/mutation.sh FRESH_IMPORT_MODULES), so each
  // static mutant runs every listed test: the two rule files only, not network-check.test.ts's
  // servers (same 74/80 killed, 1 min instead of 10).
  'server/tunnel/network-check.ts': [
    'test/server/tunnel/network-check-rules.test.ts',
    'test/server/tunnel/network-check-ranges.test.ts',
  ],
  'server/tunnel/client-ip.ts': ['test/server/tunnel/client-ip.test.ts'],
  'server/tunnel/limits.ts': [
    'test/server/tunnel/network-check-rules.test.ts',
    'test/server/tunnel/relay.test.ts',
  ],
  // client address and proxy trust
  'server/http/client-address.ts': [
    'test/server/http/*.test.ts',
    'test/server/tunnel/client-ip.test.ts',
    'test/server/client-address.test.ts',
  ],
  'server/http/subnet.ts': ['test/server/http/*.test.ts', 'test/server/floods.test.ts'],
  // rate limits and throttling
  'server/rate-limit/rate-limiter.ts': [
    'test/server/rate-limit/*.test.ts',
    'test/server/rules.test.ts',
    'test/server/request-limits.test.ts',
  ],
  'server/rate-limit/attempt-guard.ts': [
    'test/server/rate-limit/attempt-guard-rules.test.ts',
    'test/server/rules.test.ts',
    'test/server/throttling.test.ts',
  ],
  'server/rate-limit/ip-limiter.ts': [
    'test/server/floods.test.ts',
    'test/server/request-limits.test.ts',
  ],
  // sessions and refresh rotation
  'server/sessions/session-store.ts': [
    'test/server/sessions/*.test.ts',
    'test/server/refresh-grace.test.ts',
    'test/server/rules.test.ts',
  ],
  // sign-in and registration verification
  'server/passkeys/login-routes.ts': [
    'test/server/passkeys/*.test.ts',
    'test/server/passkey-rejections.test.ts',
    'test/server/qr-approve.test.ts',
  ],
  'server/passkeys/register-routes.ts': [
    'test/server/passkeys/register-rules.test.ts',
    'test/server/passkey-rejections.test.ts',
    'test/server/qr-approve.test.ts',
  ],
  'server/passkeys/policy.ts': [
    'test/server/rules.test.ts',
    'test/server/passkey-rejections.test.ts',
  ],
  // attempts and reverse codes
  'server/passkeys/attempt-stores.ts': [
    'test/server/passkeys/*.test.ts',
    'test/server/rules.test.ts',
    'test/server/request-limits.test.ts',
  ],
  'server/passkeys/paired-attempts.ts': [
    'test/server/passkeys/paired-attempts-rules.test.ts',
    'test/server/passkey-rejections.test.ts',
    'test/server/qr-approve.test.ts',
  ],
  // step-up, TOTP and recovery codes
  'server/step-up/routes.ts': [
    'test/server/step-up/*.test.ts',
    'test/server/api-core.test.ts',
    'test/server/totp-and-limits.test.ts',
    'test/server/accounts/change-password.test.ts',
  ],
  'server/step-up/passkey-routes.ts': ['test/server/step-up/*.test.ts'],
  'server/totp/totp.ts': ['test/server/totp/*.test.ts', 'test/server/rules.test.ts'],
  'server/totp/second-factor.ts': [
    'test/server/totp/second-factor-rules.test.ts',
    'test/server/totp-and-limits.test.ts',
    'test/server/totp-at-rest.test.ts',
  ],
  'server/totp/recovery-codes.ts': [
    'test/server/totp/*.test.ts',
    'test/server/totp-and-limits.test.ts',
  ],
  // the desktop: IPC sender check and argument parsing, app:// paths, the token vault
  'electron/ipc/sender.ts': ['test/electron/ipc/*.test.ts'],
  'electron/ipc/dispatch.ts': ['test/electron/ipc/*.test.ts'],
  // what a refused call answers the renderer: the code, field paths, never the values
  'electron/ipc/errors.ts': ['test/electron/ipc/*.test.ts'],
  // the argument schema of every channel: built at load, so only its fresh-import rule tests
  // see a mutant (scripts/mutation.sh FRESH_IMPORT_MODULES)
  'electron/ipc/contract.ts': ['test/electron/ipc/contract-rules.test.ts'],
  'electron/window/app-protocol.ts': [
    'test/electron/window/*.test.ts',
    'test/electron/main/hardening.test.ts',
  ],
  'electron/services/token-vault.ts': [
    'test/electron/services/token-vault*.test.ts',
    'test/electron/main/no-keychain.test.ts',
  ],
};
export const securityModules = Object.keys(moduleTests);

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
  // MUTATION_BAIL=1 stops at the first failing test instead: for the relay's pass in .ci/run,
  // where a mutant that silences an event would otherwise wait out the test timeout in each
  // of its ~20 covering tests (a minute, then a Stryker timeout) before it counts as killed.
  disableBail: process.env.MUTATION_BAIL !== '1',
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
