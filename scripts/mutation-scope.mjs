#!/usr/bin/env node
// The security modules (stryker.config.mjs) that changed since a git revision, comma separated
// for `stryker run --mutate`: `npm run test:mutation -- --changed BASE` (scripts/mutation.sh).
import { execFileSync } from 'node:child_process';
import { securityModules } from '../stryker.config.mjs';

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
console.log(securityModules.filter((m) => changed.has(m)).join(','));
