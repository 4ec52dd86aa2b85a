/**
 * Issue 9, "Ready for more than English": the real desktop renderer in Chromium (browser
 * harness, real server and keychain) with the OS language set to Simplified Chinese shows no
 * English on its main screens: the login screen (QR and password), the account page and every
 * Settings section. "English" is any run of two or more Latin words, or any single word of
 * the English catalogue, in a text node or an accessible name (aria-label, alt, title,
 * placeholder), once the allowed names are taken out: Keybridge, QR, brands of browsers and
 * systems, and what the person or the server named (email, passkey and device names, codes).
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import type { Page } from 'playwright-core';
import en from '../../renderer/src/i18n/en.json';
import zh from '../../renderer/src/i18n/zh-CN.json';
import { seriousAxeFindings } from '../support/axe';
import { readQr } from '../support/read-qr';
import { PASSWORD, startWorld, type World } from '../support/world';

/** Names that stay as they are in every language (docs/glossary.md, zh-CN column). */
const ALLOWED = [
  'Keybridge',
  'QR',
  'https',
  'Chrome',
  'Firefox',
  'Safari',
  'Edge',
  'Android',
  'iOS',
  'macOS',
  'Windows',
  'Linux',
  'GNOME',
  'KWallet',
];

/** What the person or the server named: shown as given, never translated. */
const USER_DATA = [
  '[data-testid="account-email"]',
  '[data-testid="signed-in-as"]',
  '[data-testid="totp-manual-key"]',
  '[data-testid="passkey-row"] .row-title > span:first-child',
  '[data-testid="session-device"]',
  '.recovery-codes',
  '.brand-mark',
];

function words(catalogue: object): string[] {
  const out = new Set<string>();
  const walk = (o: object) => {
    for (const v of Object.values(o)) {
      if (typeof v === 'string') {
        const text = v.replace(/\{\{[^}]*\}\}/g, ' ').replace(/<[^>]*>/g, ' ');
        for (const w of text.match(/[A-Za-z]{3,}/g) ?? []) out.add(w);
      } else walk(v as object);
    }
  };
  walk(catalogue);
  return [...out].filter((w) => !ALLOWED.includes(w));
}
const ENGLISH_WORDS = words(en);

/** Every piece of English on the page, with where it is. */
async function englishOnPage(page: Page): Promise<string[]> {
  return page.evaluate(
    ({ allowed, skip, english }) => {
      const skipped = new Set<Element>();
      for (const sel of skip) document.querySelectorAll(sel).forEach((e) => skipped.add(e));
      const inSkipped = (n: Node | null) => {
        for (let e = n instanceof Element ? n : (n?.parentElement ?? null); e; e = e.parentElement)
          if (skipped.has(e)) return true;
        return false;
      };
      const pieces: string[] = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const parent = n.parentElement;
        if (!parent || inSkipped(n) || ['SCRIPT', 'STYLE'].includes(parent.tagName)) continue;
        pieces.push(n.textContent ?? '');
      }
      for (const el of document.body.querySelectorAll('*')) {
        if (inSkipped(el)) continue;
        for (const a of ['aria-label', 'alt', 'title', 'placeholder']) {
          const v = el.getAttribute(a);
          if (v) pieces.push(v);
        }
      }
      const englishWord = new RegExp(`\\b(${english.join('|')})\\b`);
      const found: string[] = [];
      for (const raw of pieces) {
        let text = raw;
        for (const name of allowed) text = text.replaceAll(name, '·');
        // IP addresses, host names and versions are data, not words.
        text = text.replace(/[\w.-]+\.[a-z]{2,}(:\d+)?/gi, '·').replace(/\d[\d.:]*/g, '·');
        const run = /[A-Za-z][A-Za-z'’-]*(\s+[A-Za-z][A-Za-z'’-]*)+/.exec(text);
        const word = englishWord.exec(text);
        if (run || word) found.push(raw.trim());
      }
      return found;
    },
    { allowed: ALLOWED, skip: USER_DATA, english: ENGLISH_WORDS },
  );
}

async function assertChinese(page: Page, where: string) {
  assert.deepEqual(await englishOnPage(page), [], `English left on ${where}`);
  // Longer words must not break the layout's accessibility either (labels, contrast, lang).
  assert.deepEqual(await seriousAxeFindings(page), [], `axe on ${where}`);
}

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

test('with the OS in Simplified Chinese, no English is left on the login, account and Settings screens', async (t) => {
  const { email, phone } = await world.newAccount();
  const { page } = await world.launchDesktop(t, { locale: 'zh-CN' });

  const link = await readQr(page);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
  await page.getByText(zh.qr.status.waiting).waitFor();
  await assertChinese(page, 'the login screen (QR)');

  // A phone scans: "Check your phone", the phone named in Chinese (the server says it in English).
  await phone.page.goto(link);
  await page.getByTestId('check-phone').waitFor();
  assert.match(await page.getByTestId('qr-phone-device').innerText(), / 上的 /);
  await assertChinese(page, 'the login screen (scanned)');
  await page.getByRole('button', { name: zh.qr.cancel, exact: true }).click();
  await page.getByText(zh.qr.stopped).waitFor();
  await assertChinese(page, 'the login screen (cancelled)');

  await page.getByRole('button', { name: zh.login.usePassword }).click();
  await page.getByRole('button', { name: zh.passwordForm.forgot }).click();
  await page.getByTestId('forgot-password').waitFor();
  await assertChinese(page, 'the login screen (password, forgot password)');

  await page.getByLabel(zh.fields.email, { exact: true }).fill(email);
  await page.getByLabel(zh.fields.password, { exact: true }).fill('not the password');
  await page.getByRole('button', { name: zh.passwordForm.submit, exact: true }).click();
  await page.getByText(zh.errors.codes.invalid_credentials).waitFor();
  await assertChinese(page, 'a wrong password');

  await page.getByLabel(zh.fields.password, { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: zh.passwordForm.submit, exact: true }).click();
  await page.getByTestId('account-email').filter({ hasText: email }).waitFor();
  await page.getByRole('heading', { name: zh.checklist.title }).waitFor();
  await assertChinese(page, 'the account page');

  const nav = page.getByRole('navigation', { name: zh.settings.label });
  await page
    .getByRole('navigation', { name: zh.app.nav.label })
    .getByRole('button', { name: zh.app.nav.settings })
    .click();
  const sections = [
    ['passkeys', zh.passkeys.title, '[data-testid="passkey-row"]'],
    ['authenticator', zh.authenticator.title, null],
    ['password', zh.password.title, null],
    ['sessions', zh.sessions.title, '[data-testid="session-row"]'],
    ['activity', zh.activity.title, '.rows .row'],
  ] as const;
  for (const [id, heading, row] of sections) {
    await nav.getByRole('button', { name: zh.settings[id], exact: true }).click();
    await page.getByRole('heading', { name: heading, exact: true }).waitFor();
    if (row) await page.locator(row).first().waitFor();
    await assertChinese(page, `Settings › ${id}`);
  }

  // A dialog: the sign-out question.
  await page.getByRole('banner').getByRole('button', { name: zh.app.signOut }).click();
  await page.getByRole('dialog', { name: zh.app.signOutDialog.title }).waitFor();
  await assertChinese(page, 'the sign-out dialog');
});

test('the check itself finds English: the same screen in English fails it', async (t) => {
  const { page } = await world.launchDesktop(t, { locale: 'en-US' });
  await readQr(page);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  const found = await englishOnPage(page);
  assert.ok(found.includes(en.login.title), `found: ${found.join(' | ')}`);
});
