/**
 * "No English UI text" on a page rendered in another language: every run of two or more Latin
 * words a person can read or hear (visible text, accessible names, tooltips, the title) once
 * their own data (emails, device and passkey names, keys) and the names that stay as they are
 * (Keybridge, Google Authenticator; docs/glossary.md) are taken out. Single Latin words ("IP",
 * "QR", "PIN") are part of the Chinese wording.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { describeFindings, seriousAxeFindings } from './axe';

const NAMES = ['Keybridge', 'Google Authenticator'];

/** Everything a person can read or hear: visible text, accessible names, tooltips, title. */
export async function readable(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts = [document.title, document.body.innerText];
    for (const el of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
      for (const a of ['aria-label', 'title', 'placeholder']) {
        const v = el.getAttribute(a);
        if (v) parts.push(v);
      }
    }
    return parts.join('\n');
  });
}

/** Runs of two or more Latin words left after the allowed strings are removed. */
export async function englishOn(page: Page, data: string[] = []): Promise<string[]> {
  let text = await readable(page);
  for (const s of [...data, ...NAMES].filter(Boolean).sort((a, b) => b.length - a.length))
    text = text.split(s).join(' ');
  text = text.replace(/\S+@\S+/g, ' '); // email addresses
  return [...text.matchAll(/[A-Za-z][\w'’-]*(?:[ \t]+[A-Za-z][\w'’-]*)+/g)].map((m) => m[0]);
}

/** The page says zh-CN, reads in Chinese with no English left, and axe finds nothing serious. */
export async function assertChinese(page: Page, where: string, data: string[] = []) {
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => r())));
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN', where);
  assert.deepEqual(await englishOn(page, data), [], `English on ${where}`);
  assert.match(await readable(page), /\p{Script=Han}/u, `Chinese on ${where}`);
  const findings = await seriousAxeFindings(page); // longer words wrap: still no finding
  assert.equal(findings.length, 0, `${where}:\n${describeFindings(findings)}`);
}
