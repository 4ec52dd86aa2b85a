/**
 * No English typed straight into the phone pages' JSX (scripts/eslint-phone-i18n.mjs,
 * i18next/no-literal-string): every .tsx under server/phone/ passes, and a fixture with a
 * literal heading, a literal attribute and a literal expression fails, so the rule is live.
 * Technical strings (test ids, ARIA roles, SVG, "Keybridge") are allowed by the rule's lists.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'vitest';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { REPO_ROOT } from '../../support/renderer-static';

const configUrl = pathToFileURL(path.join(REPO_ROOT, 'scripts', 'eslint-phone-i18n.mjs')).href;
const { phoneI18n } = (await import(configUrl)) as { phoneI18n: Linter.Config };

/**
 * The project's own config (type-aware, so a string typed as a literal union such as
 * `state: 'out'` counts as code, not words), with this one rule.
 */
const project = new ESLint({
  cwd: REPO_ROOT,
  ruleFilter: ({ ruleId }) => ruleId === 'i18next/no-literal-string',
});

/** The rule alone on a fixture that is not on disk (no type information for it). */
const bare = new ESLint({
  cwd: REPO_ROOT,
  overrideConfigFile: true,
  overrideConfig: [
    { files: ['**/*.tsx'], languageOptions: { parser: tseslint.parser } },
    phoneI18n,
  ],
});

test('every phone page passes i18next/no-literal-string', async () => {
  const results = await project.lintFiles(['server/phone/**/*.tsx']);
  assert.ok(results.length >= 15, `linted ${results.length} files`);
  const found = results.flatMap((r) =>
    r.messages.map((m) => `${path.relative(REPO_ROOT, r.filePath)}:${m.line} ${m.message}`),
  );
  assert.deepEqual(found, []);
});

test('a literal string in phone JSX fails; technical ones and Keybridge pass', async () => {
  const code = [
    "import { t } from '../i18n';",
    // A function declaration: the plugin does not look into an arrow's bare JSX body.
    'export function A() {',
    '  return (',
    '  <main className="page" data-testid="fixture" role="status">',
    '    <p className="brand">Keybridge</p>',
    "    <h1>{t('security.title')}</h1>",
    '    <h2>Create your account</h2>',
    '    <button type="button" aria-label="Close the sheet">{t(\'common.cancel\')}</button>',
    "    <p>{'Signed out.'}</p>",
    '  </main>',
    '  );',
    '}',
  ].join('\n');
  const [result] = await bare.lintText(code, {
    filePath: path.join(REPO_ROOT, 'server/phone/pages/Fixture.tsx'),
  });
  assert.ok(result);
  assert.deepEqual(
    result.messages.map((m) => `${m.ruleId} ${m.line}`),
    ['i18next/no-literal-string 7', 'i18next/no-literal-string 8', 'i18next/no-literal-string 9'],
  );
});
