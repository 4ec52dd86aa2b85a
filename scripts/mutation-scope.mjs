#!/usr/bin/env node
// The security modules (stryker.config.mjs) in scope of a change since a git revision, and the
// test files that exercise them: two lines, each comma separated, for `stryker run --mutate`
// and `--testFiles` (`npm run test:mutation -- --changed BASE`, scripts/mutation.sh). A module
// is in scope when it changed, or when one of its test files did: a weakened or deleted rule
// test lowers the score of a module that itself never changed. Both lines are empty when
// nothing in scope changed. `--modules a,b` names the modules instead (a per-module run).
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
      changed.has(m) || moduleTests[m].some((pattern) => [...changed].some(globMatcher(pattern))),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [arg, list] = process.argv.slice(2);
  if (!arg || (arg === '--modules' && !list)) {
    console.error('usage: node scripts/mutation-scope.mjs <git revision> | --modules a.ts,b.ts');
    process.exit(2);
  }
  let modules;
  if (arg === '--modules') {
    modules = list.split(',').filter(Boolean);
    const unknown = modules.filter((m) => !securityModules.includes(m));
    if (unknown.length > 0) {
      console.error(`mutation-scope: not a security module of stryker.config.mjs: ${unknown}`);
      process.exit(2);
    }
  } else {
    const changed = new Set(
      execFileSync('git', ['diff', '--name-only', arg, '--'], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean),
    );
    modules = modulesInScope(changed);
  }
  const tests = [...new Set(modules.flatMap((m) => moduleTests[m]))];
  console.log(modules.join(','));
  console.log(tests.join(','));
}
