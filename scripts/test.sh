#!/usr/bin/env bash
# The whole test command (README): static checks, the browser bundles, then every test file
# under vitest (vitest.config.ts: unit, server, renderer and e2e projects, v8 coverage) and the
# testers' Playwright Test specs (playwright.config.ts), all inside a private D-Bus session with
# an unlocked gnome-keyring, so keytar talks to a real Secret Service.
# The last line is `N passed, N failed[, N skipped]` over both runners, for CI; the exit code
# is non-zero when anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Each step on its own line so that `set -e` stops at the first failing one.
echo '== prettier'
npx prettier --check . >/dev/null
echo '== eslint'
npx eslint .
echo '== tsc'
npx tsc -b
echo '== build'
node scripts/build.mjs
echo '== electronegativity'
node scripts/electronegativity.mjs

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
status=0
echo '== vitest (coverage: server/protocol, electron/services)'
dbus-run-session -- bash scripts/with-keyring.sh \
  npx vitest run --coverage \
  --reporter=verbose --reporter=json --outputFile.json="$results/vitest.json" || status=$?
echo '== playwright test'
PLAYWRIGHT_JSON_OUTPUT_NAME="$results/playwright.json" \
  dbus-run-session -- bash scripts/with-keyring.sh \
  npx playwright test --reporter=list,json || status=$?

node scripts/test-summary.mjs "$results/vitest.json" "$results/playwright.json"
exit "$status"
