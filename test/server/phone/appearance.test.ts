/**
 * The phone pages in light and dark (defect 3 of issue 9), in real Chromium against the real
 * server: the page follows the phone's theme with the desktop's dark colours, text keeps 4.5:1
 * contrast in both, the pair page is dark before any script runs (no white flash when opened
 * from the camera at night), and axe finds nothing serious or critical on any screen here.
 */
import { test } from 'vitest';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { describeFindings, seriousAxeFindings } from '../../support/axe';
import { colours, contrastOf, parseRgb } from '../../support/contrast';
import { nextTotp, startRig } from './rig';

const PASSWORD = 'a long appearance password';
const SCHEMES = ['light', 'dark'] as const;
/** The page backgrounds: server/phone/styles.css, the dark one is the desktop's (renderer). */
const BACKGROUND = { light: 'rgb(244, 247, 249)', dark: 'rgb(13, 17, 23)' };

/** Checks one screen in both themes: background, contrast of its texts, axe. */
async function checkScreen(page: Page, name: string, texts: string[]) {
  for (const colorScheme of SCHEMES) {
    await page.emulateMedia({ colorScheme });
    const where = `${name} (${colorScheme})`;
    const root = await colours(page.locator('body'));
    assert.equal(root.background, BACKGROUND[colorScheme], `${where}: page background`);
    for (const selector of texts) {
      const els = page.locator(selector);
      const n = await els.count();
      assert.ok(n > 0, `${where}: ${selector} is on screen`);
      for (let i = 0; i < n; i++) {
        const ratio = await contrastOf(els.nth(i));
        assert.ok(ratio >= 4.5, `${where}: ${selector} #${i} contrast ${ratio.toFixed(2)} < 4.5`);
      }
    }
    const findings = await seriousAxeFindings(page);
    assert.equal(findings.length, 0, `${where}:\n${describeFindings(findings)}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test('every phone screen follows the phone theme, keeps 4.5:1 contrast and passes axe', async (t) => {
  const rig = await startRig(t);
  const phone = await rig.phone();
  const { page } = phone;

  await phone.open('/m/signin');
  await page.getByTestId('signin-page').waitFor();
  await checkScreen(page, 'sign in', ['h1', 'label', '.button.primary', '.button.secondary']);

  await phone.open('/m/signup');
  await page.getByTestId('signup-page').waitFor();
  await checkScreen(page, 'sign up', ['h1', 'label']);

  await phone.open('/m/pair');
  await page.getByTestId('pair-error').waitFor();
  await checkScreen(page, 'pair page without a link', ['h1', '[data-testid="pair-error"] p']);

  await phone.signUp('appearance@example.com', PASSWORD);
  await page.getByTestId('security-page').waitFor();
  await page.locator('[data-testid="passkeys-section"][aria-busy="false"]').waitFor();
  await checkScreen(page, 'security', ['h1', 'h2', '.muted', '.checklist .row-title']);

  await page.getByRole('button', { name: 'Set up authenticator app' }).click();
  await page.getByTestId('totp-secret').waitFor();
  await checkScreen(page, 'authenticator app setup', [
    '[data-testid="totp-secret"]',
    '[data-testid="open-authenticator"]',
  ]);
  const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s/g, '');
  await page.getByLabel('Code from your authenticator app').fill(nextTotp(rig.clock, secret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByTestId('recovery-code').first().waitFor();
  await checkScreen(page, 'recovery codes', ['[data-testid="recovery-code"]']);

  // A notice of each kind in the dark too: the danger button and the error card.
  await page.getByRole('button', { name: 'I saved these codes' }).click();
  await page.getByRole('button', { name: 'Turn off' }).click();
  await page.getByTestId('totp-off-dialog').waitFor();
  await checkScreen(page, 'turn off dialog', ['.sheet h2, .sheet p', '.sheet .button.danger']);
});

test('the pair page is dark before any script runs: no white flash at night', async (t) => {
  const rig = await startRig(t);
  const html = await (await fetch(`${rig.server.url}/m/pair`)).text();
  assert.match(html, /<meta name="color-scheme" content="light dark"/);
  for (const colorScheme of SCHEMES) {
    // Scripts off: what the person sees before the bundle has run.
    const context = await rig.browser.newContext({ javaScriptEnabled: false, colorScheme });
    t.onTestFinished(() => context.close());
    const page = await context.newPage();
    await page.goto(`${rig.server.phoneOrigin}/m/pair`);
    const canvas = await page.evaluate(() => getComputedStyle(document.documentElement).background);
    assert.match(canvas, new RegExp(BACKGROUND[colorScheme].replace(/[()]/g, '\\$&')));
    const body = await colours(page.locator('body'));
    assert.equal(body.background, BACKGROUND[colorScheme], colorScheme);
    const ink = parseRgb(body.text).rgb;
    assert.ok(
      colorScheme === 'dark' ? ink[0] > 200 : ink[0] < 60,
      `${colorScheme} text ${body.text}`,
    );
  }
});

test('the audit and the contrast check catch grey-on-white text (so a pass above means something)', async (t) => {
  const rig = await startRig(t);
  const page = await rig.browser.newPage();
  t.onTestFinished(() => page.close());
  await page.setContent(
    '<html lang="en"><head><title>probe</title></head><body style="background:#fff">' +
      '<main><p id="faint" style="color:#b0b0b0">Faint words</p></main></body></html>',
  );
  const findings = await seriousAxeFindings(page);
  assert.deepEqual(
    findings.map((f) => f.id),
    ['color-contrast'],
  );
  assert.ok((await contrastOf(page.locator('#faint'))) < 4.5);
});
