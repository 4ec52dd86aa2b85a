/**
 * The CLI's catalogues (electron/cli/i18n/): Simplified Chinese says everything English says,
 * with the same placeholders and nothing more; the language comes from the terminal's
 * environment in the POSIX order, English for C, POSIX and anything unsupported.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import en from '../../../electron/cli/i18n/en.json';
import zhCN from '../../../electron/cli/i18n/zh-CN.json';
import { cliLocale, createCliI18n } from '../../../electron/cli/i18n';
import { catalogueProblems } from '../../support/catalogue-parity';

test('zh-CN has every English key, non-empty, with the same placeholders, and no extra keys', () => {
  assert.deepEqual(catalogueProblems(en, zhCN, 'zh-CN'), []);
});

test('the language: KEYBRIDGE_LOCALE, then LC_ALL, LC_MESSAGES, LANG; English otherwise', () => {
  assert.equal(cliLocale({ LANG: 'zh_CN.UTF-8' }), 'zh-CN');
  assert.equal(cliLocale({ LANG: 'zh_SG.UTF-8' }), 'zh-CN');
  assert.equal(cliLocale({ LANG: 'zh_CN.GB18030@cjk' }), 'zh-CN');
  assert.equal(cliLocale({ LC_ALL: 'C', LANG: 'zh_CN.UTF-8' }), 'en');
  assert.equal(cliLocale({ LC_MESSAGES: 'zh_CN.UTF-8', LANG: 'en_US.UTF-8' }), 'zh-CN');
  assert.equal(cliLocale({ LC_ALL: '', LANG: 'zh_CN.UTF-8' }), 'zh-CN');
  assert.equal(cliLocale({ KEYBRIDGE_LOCALE: 'en', LANG: 'zh_CN.UTF-8' }), 'en');
  assert.equal(cliLocale({ LANG: 'zh_TW.UTF-8' }), 'en');
  assert.equal(cliLocale({ LANG: 'POSIX' }), 'en');
  assert.equal(cliLocale({ LANG: 'de_DE.UTF-8' }), 'en');
  assert.equal(cliLocale({}), 'en');
});

test('plurals and placeholders come out in each language', () => {
  const { t: enT } = createCliI18n('en');
  const { t: zhT } = createCliI18n('zh-CN');
  assert.equal(enT('login.triesLeft', { count: 1 }), '1 try left');
  assert.equal(enT('login.triesLeft', { count: 4 }), '4 tries left');
  assert.equal(zhT('login.triesLeft', { count: 4 }), '还可尝试 4 次');
  assert.equal(zhT('login.signedIn', { email: 'a&b@example.com' }), '已登录：a&b@example.com');
});
