#!/usr/bin/env node
// The security modules (stryker.config.mjs) that changed since a git revision, and the test
// files that exercise them: two lines, each comma separated, for `stryker run --mutate` and
// `--testFiles` (`npm run test:mutation -- --changed BASE`, scripts/mutation.sh). Both lines
// are empty when no security module changed.
import { execFileSync } from 'node:child_process';
import { moduleTests, securityModules } from '../stryker.config.mjs';

const base = process.argv[2];
if (!base) {
  console.error('usage: node scripts/mutation-scope.mjs <git revision>');
  process.exit(2);
}
const changed = new Set(
  execFileSync('git', ['diff', '--name-only', base, '--'], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean),
);
const modules = securityModules.filter((m) => changed.has(m));
const tests = [...new Set(modules.flatMap((m) => moduleTests[m]))];
console.log(modules.join(','));
console.log(tests.join(','));
