/**
 * The desktop's catalogues (renderer/src/i18n/): Simplified Chinese says everything English
 * says, with the same placeholders, and nothing more; the language is picked from the OS or
 * browser languages, falling back to English. Plain data: no browser needed.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import en from '../../renderer/src/i18n/en.json';
import zhCN from '../../renderer/src/i18n/zh-CN.json';
import { pickLocale } from '../../renderer/src/i18n';
import { catalogueProblems } from '../support/catalogue-parity';

test('zh-CN has every English key, non-empty, with the same placeholders, and no extra keys', () => {
  assert.deepEqual(catalogueProblems(en, zhCN, 'zh-CN'), []);
});

test('the parity check itself catches a missing key, an empty value, a lost placeholder and an extra key', () => {
  const base = { a: 'Hello {{name}}', b: 'Bye', n_one: '{{count}} x', n_other: '{{count}} xs' };
  const problems = catalogueProblems(
    base,
    { a: '你好', b: ' ', n_other: '{{count}} 个', c: '多余' },
    'zh-CN',
  );
  assert.deepEqual(problems.sort(), [
    'a: placeholders "", English "{{name}}"',
    'b: empty',
    'c: not in English',
  ]);
  assert.deepEqual(catalogueProblems(base, { a: '{{name}}', n_other: '{{count}}' }, 'zh-CN'), [
    'b: missing',
  ]);
  // English has two plural forms: a catalogue with only one misses the other.
  assert.deepEqual(catalogueProblems(base, { a: '{{name}}', b: 'x', n_one: '{{count}}' }, 'en'), [
    'n_other: missing plural form',
  ]);
});

test('the locale comes from the wanted languages; anything unsupported is English', () => {
  assert.equal(pickLocale(['zh-CN', 'en-US']), 'zh-CN');
  assert.equal(pickLocale(['zh']), 'zh-CN');
  assert.equal(pickLocale(['zh-Hans-CN']), 'zh-CN');
  assert.equal(pickLocale(['zh_CN']), 'zh-CN');
  assert.equal(pickLocale(['en-GB', 'zh-CN']), 'en');
  // Traditional Chinese is not shipped: read on, then English.
  assert.equal(pickLocale(['zh-TW']), 'en');
  assert.equal(pickLocale(['zh-Hant-HK', 'zh-CN']), 'zh-CN');
  assert.equal(pickLocale(['de-DE', 'fr']), 'en');
  assert.equal(pickLocale([]), 'en');
});
