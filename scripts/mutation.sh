#!/usr/bin/env bash
# `npm run test:mutation`: Stryker over the security modules (stryker.config.mjs), inside a
# private D-Bus session with an unlocked keyring (the token vault's tests use the real
# keychain), then the per-module gate (scripts/mutation-check.mjs, 85% each). docs/mutation.md
# says how long each takes and how CI runs it.
#   npm run test:mutation                      every module; incremental: only mutants whose
#                                              module or covering tests changed since the
#                                              committed reports/stryker-incremental.json run again
#   npm run test:mutation -- --changed BASE    only the security modules in scope of a change
#                                              since git BASE (the module or one of its tests
#                                              changed), each against its own tests
#   npm run test:mutation -- --modules A,B     only these modules, each against its own tests
#                                              (how docs/mutation.md's figures were measured)
#   npm run test:mutation -- --force           ignore the incremental file (a full run)
# Any other arguments go to `stryker run`.
set -euo pipefail
cd "$(dirname "$0")/.."

# Modules whose tests import them afresh inside each test (vi.resetModules(), then import()),
# after Stryker set the active mutant: their module-level values (zod schemas built at load) are
# rebuilt per test, so static mutants are tested, and for these --ignoreStatic is dropped. A
# run over a mix of these and other modules does them in a pass of their own (each with its own
# cache), so the others keep --ignoreStatic.
FRESH_IMPORT_MODULES=(
  server/protocol/tunnel.ts
  electron/ipc/contract.ts
  server/tunnel/network-check.ts
  electron/window/app-protocol.ts
)

# Stryker, then the gate: `run_stryker ARGS...`; any failure is remembered, not fatal at once.
failed=0
run_stryker() {
  local start
  start=$(date +%s)
  dbus-run-session -- bash scripts/with-keyring.sh npx stryker run "$@" || failed=1
  echo "mutation: stryker took $(($(date +%s) - start)) s"
  node scripts/mutation-check.mjs || failed=1
}

if [ "${1:-}" = "--changed" ] || [ "${1:-}" = "--modules" ]; then
  mode="$1"
  what="${2:?$1 needs a git revision or a comma list of modules}"
  shift 2
  if [ "$mode" = "--changed" ]; then
    scope="$(node scripts/mutation-scope.mjs "$what")"
  else
    scope="$(node scripts/mutation-scope.mjs --modules "$what")"
  fi
  mutate="$(sed -n 1p <<<"$scope")"
  if [ -z "$mutate" ]; then
    echo "mutation: no security module or its tests changed since $what"
    exit 0
  fi
  fresh=() rest=()
  IFS=, read -ra in_scope <<<"$mutate"
  for m in "${in_scope[@]}"; do
    if [[ " ${FRESH_IMPORT_MODULES[*]} " == *" $m "* ]]; then fresh+=("$m"); else rest+=("$m"); fi
  done
  # The phone and renderer bundles: tests serve them from dist/ (as in scripts/test.sh).
  node scripts/build.mjs
  # Its own cache: a partial run must not replace the full run's incremental file. Static
  # mutants (module-level values) are skipped: with --testFiles, Stryker 9.6 activates them
  # after the module loaded and reports them survived (stryker-js issue 6144); the full run
  # (no --testFiles) tests them. The fresh-import pass runs second, so its report is the one
  # left in reports/mutation/; the gate has judged each pass.
  run_group() {
    local list tests
    list="$(IFS=,; echo "${*:2}")"
    tests="$(node scripts/mutation-scope.mjs --modules "$list" | sed -n 2p)"
    echo "mutation: modules in scope: $list (tests: $tests)"
    if [ "$1" = static ]; then
      run_stryker --mutate "$list" --testFiles "$tests" \
        --incrementalFile reports/stryker-incremental-static.json "${extra[@]}"
    else
      run_stryker --mutate "$list" --testFiles "$tests" --ignoreStatic \
        --incrementalFile reports/stryker-incremental-changed.json "${extra[@]}"
    fi
  }
  extra=("$@")
  if [ "${#rest[@]}" -gt 0 ]; then run_group ignore-static "${rest[@]}"; fi
  if [ "${#fresh[@]}" -gt 0 ]; then run_group static "${fresh[@]}"; fi
  exit "$failed"
fi

# The phone and renderer bundles: tests serve them from dist/ (as in scripts/test.sh).
node scripts/build.mjs
run_stryker "$@"
exit "$failed"
