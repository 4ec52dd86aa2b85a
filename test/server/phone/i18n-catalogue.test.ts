/**
 * The phone pages' catalogue (server/phone/i18n/): zh-CN has every key en has and no other,
 * each non-empty, with the same {{placeholders}}, the plural forms its language needs, and
 * Chinese in it (nothing left in English by copy-paste). Plus which browser languages pick
 * which catalogue.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import en from '../../../server/phone/i18n/en.json';
import zhCN from '../../../server/phone/i18n/zh-CN.json';
import { pickLocale } from '../../../server/phone/i18n/locale';

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    if (typeof v === 'string') out.set(prefix + k, v);
    else for (const [kk, vv] of flatten(v, `${prefix}${k}.`)) out.set(kk, vv);
  }
  return out;
}

const PLURAL = /_(zero|one|two|few|many|other)$/;

/** base key → its forms ('' for a plain key, else the plural category) → text */
function group(flat: Map<string, string>): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  for (const [key, text] of flat) {
    const form = PLURAL.exec(key)?.[1] ?? '';
    const base = form ? key.slice(0, -form.length - 1) : key;
    if (!out.has(base)) out.set(base, new Map());
    out.get(base)!.set(form, text);
  }
  return out;
}

const placeholders = (text: string) =>
  [...text.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1]).sort();

const catalogues = { en: group(flatten(en)), 'zh-CN': group(flatten(zhCN)) };

test('zh-CN has exactly the keys of en, each with the plural forms its language uses', () => {
  const enKeys = [...catalogues.en.keys()].sort();
  const zhKeys = [...catalogues['zh-CN'].keys()].sort();
  assert.deepEqual(
    zhKeys.filter((k) => !catalogues.en.has(k)),
    [],
    'keys in zh-CN that en does not have',
  );
  assert.deepEqual(
    enKeys.filter((k) => !catalogues['zh-CN'].has(k)),
    [],
    'keys of en missing from zh-CN',
  );
  for (const [locale, catalogue] of Object.entries(catalogues)) {
    const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories.sort();
    for (const [key, forms] of catalogue) {
      if (forms.has('')) {
        assert.equal(forms.size, 1, `${locale} ${key}: plain and plural forms at once`);
        continue;
      }
      assert.deepEqual([...forms.keys()].sort(), categories, `${locale} ${key}: plural forms`);
    }
  }
});

test('every text is non-empty and keeps the placeholders of the English', () => {
  for (const [key, enForms] of catalogues.en) {
    const expected = placeholders(enForms.get('') ?? enForms.get('other')!);
    for (const [locale, catalogue] of Object.entries(catalogues)) {
      for (const [form, text] of catalogue.get(key) ?? []) {
        const where = `${locale} ${key}${form && `_${form}`}`;
        assert.ok(text.trim().length > 0 || key === 'activity.separator', `${where} is empty`);
        assert.deepEqual(placeholders(text), expected, `${where}: placeholders`);
      }
    }
  }
});

test('zh-CN is translated: any text with words has Chinese in it', () => {
  const han = /\p{Script=Han}/u;
  const untranslated: string[] = [];
  for (const [key, forms] of catalogues['zh-CN']) {
    for (const text of forms.values()) {
      // Marks and placeholders alone ("“{{name}}”", "。") are the same in every language.
      const words = text.replace(/\{\{[^}]*\}\}/g, '');
      if (/[A-Za-z]/.test(words) && !han.test(words)) untranslated.push(`${key}: ${text}`);
    }
  }
  assert.deepEqual(untranslated, []);
});

test('the browser language picks the catalogue; Traditional Chinese and others read on', () => {
  assert.equal(pickLocale(['zh-CN']), 'zh-CN');
  assert.equal(pickLocale(['zh']), 'zh-CN');
  assert.equal(pickLocale(['zh-Hans-CN']), 'zh-CN');
  assert.equal(pickLocale(['zh_CN']), 'zh-CN');
  assert.equal(pickLocale(['zh-SG']), 'zh-CN');
  assert.equal(pickLocale(['zh-TW']), 'en');
  assert.equal(pickLocale(['zh-Hant-HK', 'zh-CN']), 'zh-CN');
  assert.equal(pickLocale(['fr-FR', 'zh']), 'zh-CN');
  assert.equal(pickLocale(['en-US', 'zh-CN']), 'en');
  assert.equal(pickLocale(['fr-FR']), 'en');
  assert.equal(pickLocale([]), 'en');
});
