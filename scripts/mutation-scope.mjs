#!/usr/bin/env node
// The security modules (stryker.config.mjs) in scope of a change since a git revision, and the
// test files that exercise them: two lines, each comma separated, for `stryker run --mutate`
// and `--testFiles` (`npm run test:mutation -- --changed BASE`, scripts/mutation.sh). A module
// is in scope when it changed, or when one of its test files did: a weakened or deleted rule
// test lowers the score of a module that itself never changed. Both lines are empty when
// nothing in scope changed.
import { execFileSync } from 'node:child_process';
import { moduleTests, securityModules } from '../stryker.config.mjs';

/** The `*` patterns of moduleTests (one path segment each) as a matcher. */
export function globMatcher(pattern) {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]*');
  const re = new RegExp(`^${body}$`);
  return (file) => re.test(file);
}

/** The modules whose own file or one of whose test files is among `changed`. */
export function modulesInScope(changed) {
  return securityModules.filter(
    (m) =>
      changed.has(m) ||
      moduleTests[m].some((pattern) => [...changed].some(globMatcher(pattern))),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
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
  const modules = modulesInScope(changed);
  const tests = [...new Set(modules.flatMap((m) => moduleTests[m]))];
  console.log(modules.join(','));
  console.log(tests.join(','));
}
