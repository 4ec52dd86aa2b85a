#!/usr/bin/env bash
# The whole test command (README): static checks, the browser bundles, then every test file
# under node's test runner inside a private D-Bus session with an unlocked gnome-keyring, so
# keytar talks to a real Secret Service.
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

mapfile -t files < <(find test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
echo "== node --test (${#files[@]} files)"
exec dbus-run-session -- bash scripts/with-keyring.sh \
  node --import tsx --test --test-concurrency=2 --test-timeout=240000 --test-reporter=spec "${files[@]}"
