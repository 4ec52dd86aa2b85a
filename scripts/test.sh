#!/usr/bin/env bash
# The whole test command (README): static checks, the browser bundles, then every test file
# under node's test runner inside a private D-Bus session with an unlocked gnome-keyring, so
# keytar talks to a real Secret Service.
set -euo pipefail
cd "$(dirname "$0")/.."

echo '== prettier' && npx prettier --check . >/dev/null && echo ok
echo '== eslint' && npx eslint . && echo ok
echo '== tsc' && npx tsc -p tsconfig.json && echo ok
echo '== build' && node scripts/build.mjs
if [ -f scripts/electronegativity.mjs ]; then echo '== electronegativity' && node scripts/electronegativity.mjs; fi

mapfile -t files < <(find test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
echo "== node --test (${#files[@]} files)"
exec dbus-run-session -- bash scripts/with-keyring.sh \
  node --import tsx --test --test-concurrency=2 --test-reporter=spec "${files[@]}"
