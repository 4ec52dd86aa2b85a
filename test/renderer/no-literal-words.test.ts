/**
 * No words in the code (eslint.config.mjs, `noLiteralWords`): a literal string in the
 * renderer's JSX or anywhere in the CLI fails lint, so a new screen cannot ship English into
 * the Chinese app; words through `t()`, and what is not a word (class names, test ids,
 * symbols, the product's name), pass. Fixtures linted as if they were files at those paths.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'vitest';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { REPO_ROOT } from '../support/renderer-static';

const configUrl = pathToFileURL(path.join(REPO_ROOT, 'eslint.config.mjs')).href;
const { noLiteralWords } = (await import(configUrl)) as { noLiteralWords: Linter.Config[] };

const eslint = new ESLint({
  cwd: REPO_ROOT,
  overrideConfigFile: true,
  overrideConfig: [
    { files: ['**/*.ts', '**/*.tsx'], languageOptions: { parser: tseslint.parser } },
    ...noLiteralWords,
  ],
});

async function literals(file: string, code: string): Promise<number> {
  const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) });
  assert.ok(result, 'linted');
  assert.deepEqual(
    result.messages.filter((m) => m.ruleId !== 'i18next/no-literal-string').map((m) => m.message),
    [],
  );
  return result.messages.length;
}

test('renderer JSX: text, labels and alt texts must come from the catalogue', async () => {
  const file = 'renderer/src/settings/Fixture.tsx';
  assert.equal(await literals(file, 'export const Notice = () => <p>Signed out</p>;'), 1);
  assert.equal(
    await literals(file, 'export const Notice = () => <button aria-label="Close it">✕</button>;'),
    1,
  );
  assert.equal(
    await literals(
      file,
      "export const Notice = ({ b }: { b: boolean }) => <p>{b ? 'On' : 'Off'}</p>;",
    ),
    2,
  );
  assert.equal(
    await literals(file, 'export const Notice = () => <img alt="QR code" src="" />;'),
    1,
  );
});

test('renderer JSX: t(), technical attributes, symbols and the product name pass', async () => {
  const file = 'renderer/src/settings/Fixture.tsx';
  const code = `
declare const t: (key: string) => string;
export const Notice = () => (
  <div className="banner ok" data-testid="notice" role="status" aria-live="polite">
    <span aria-hidden="true">✓</span> · {t('password.title')}
    <span className="brand">Keybridge</span>
    <input type="text" autoComplete="one-time-code" inputMode="numeric" />
  </div>
);`;
  assert.equal(await literals(file, code), 0);
});

test('CLI: every printed string must come from the catalogue', async () => {
  const file = 'electron/cli/fixture.ts';
  assert.equal(await literals(file, "const out = (s: string) => s;\nout('Signed in as you');"), 1);
  assert.equal(
    await literals(
      file,
      "declare const t: (k: string) => string;\nconst out = (s: string) => s;\nout(t('logout.signedOut'));\nconst mode: string = 'help';\nvoid mode;",
    ),
    0,
  );
});
