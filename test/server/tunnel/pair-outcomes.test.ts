/**
 * What the pair page says around an approval (issue 9: defects 8 and 13), in real Chromium with
 * a virtual authenticator against the real server and relay: it names the account from the
 * server's own answer (not the desktop's word), the code page counts down the time left, the
 * done page says what happens next, and neutral outcomes are not red error cards. Each screen
 * is audited with axe in light and dark.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { accountHint } from '../../../server/passkeys/paired-attempts';
import { launchChromium } from '../../support/chromium';
import { createPhone, type Phone } from '../../support/phone';
import { assertAxeCleanBothThemes as auditBothThemes } from '../../support/axe';
import { colours } from '../../support/contrast';
import { call } from '../../support/http';
import { startDesktop } from './support/desktop-driver';
import { startTunnelServer, type TunnelTestServer } from './support/tunnel-server';

const PASSWORD = 'correct horse battery';
let srv: TunnelTestServer;
let browser: Browser;
let owner: Phone;
const email = `outcomes-${Date.now()}@example.com`;

beforeAll(async () => {
  srv = await startTunnelServer();
  browser = await launchChromium();
  owner = await createPhone({ phoneOrigin: srv.phoneOrigin, browser });
  await owner.signUp(email, PASSWORD);
  await owner.enrolPasskey(PASSWORD);
});

afterAll(async () => {
  await owner?.close();
  await browser?.close();
  await srv?.close();
});

async function signInDesktop(localAddress?: string) {
  let attemptId = '';
  let options: { challenge: string } = { challenge: '' };
  const desktop = await startDesktop({
    url: srv.url,
    phoneOrigin: srv.phoneOrigin,
    localAddress,
    linkOptions: async (pairingId) => {
      const r = await call(srv.url, '/api/auth/passkey/options', {
        body: { pairingId },
        localAddress,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      attemptId = r.body.attemptId as string;
      options = r.body.options as { challenge: string };
    },
    autoRequest: async () => ({ kind: 'get', options }),
  });
  const redeem = (reverseCode?: string) =>
    call(srv.url, '/api/auth/passkey/redeem', {
      body: { attemptId, client: 'desktop', ...(reverseCode ? { reverseCode } : {}) },
      localAddress,
    });
  return { desktop, redeem };
}

/** Neutral: plain text on the page background, announced politely, not a red alert card. */
async function assertNeutral(page: Page, testId: string) {
  const el = page.getByTestId(testId);
  assert.equal(await el.getAttribute('role'), 'status');
  assert.equal(await page.getByRole('alert').count(), 0, 'no alert on screen');
  const own = await el.evaluate((n) => getComputedStyle(n).backgroundColor);
  assert.equal(own, 'rgba(0, 0, 0, 0)', `${testId} paints no card of its own`);
  const { background } = await colours(el);
  assert.equal(background, (await colours(page.locator('body'))).background);
}

test('same network: the page names the account the server vouched for, and the done page says what happens next', async (t) => {
  const { desktop, redeem } = await signInDesktop();
  t.onTestFinished(() => desktop.close());
  const page = owner.page;
  await page.goto('about:blank');
  await page.goto(desktop.link);
  await page.getByRole('button', { name: 'Approve' }).waitFor();
  assert.match(
    (await page.getByTestId('pair-review').textContent()) ?? '',
    /sign in to your exchange account with the passkey on this phone/,
  );
  await auditBothThemes(page, 'sign-in review');

  await page.getByRole('button', { name: 'Approve' }).click();
  assert.deepEqual(await desktop.answer, { type: 'approved' });
  const hint = accountHint(email);
  // Before the desktop says anything: the name comes from the server's approve answer.
  const finishing = page.getByTestId('pair-finishing');
  await finishing.getByText(`Signing in to ${hint}`).waitFor();
  assert.equal((await redeem()).status, 200);
  // A desktop that names another account is not believed.
  await desktop.send({ type: 'done', ok: true, accountHint: 'someone-else@evil.example' });
  await desktop.complete();
  const done = page.getByTestId('pair-done');
  await done.waitFor();
  assert.equal(await done.getByRole('heading').textContent(), "You're signed in on your computer");
  assert.equal(
    await page.getByTestId('pair-account').textContent(),
    `Your exchange account: ${hint}`,
  );
  assert.match((await done.textContent()) ?? '', /You can close this page\./);
  assert.doesNotMatch((await done.textContent()) ?? '', /evil/);
  await assertNeutral(page, 'pair-done');
  await auditBothThemes(page, 'sign-in done');
});

test('different networks: the code page names the account and counts down the time left', async (t) => {
  const { desktop, redeem } = await signInDesktop('127.0.0.2');
  t.onTestFinished(() => desktop.close());
  const page = owner.page;
  await page.goto('about:blank');
  await page.goto(desktop.link);
  await page.getByTestId('network-warning').waitFor();
  await auditBothThemes(page, 'review on another network');
  await page.getByRole('button', { name: 'Approve' }).click();
  const codePage = page.getByTestId('pair-code');
  await codePage.waitFor();
  assert.equal(
    await codePage.getByTestId('pair-account').textContent(),
    `Signing in to ${accountHint(email)}`,
  );
  const left = page.getByTestId('code-time-left');
  const first = (await left.textContent()) ?? '';
  const m = /^(\d):(\d\d) left$/.exec(first);
  assert.ok(m, first);
  const seconds = Number(m[1]) * 60 + Number(m[2]);
  // The scanned pairing lives 120 s (server/tunnel/limits.ts); the code cannot outlive it.
  assert.ok(seconds > 60 && seconds <= 120, first);
  // It ticks: wait for the next second rather than sleeping.
  await page.waitForFunction(
    (before) => document.querySelector('[data-testid="code-time-left"]')?.textContent !== before,
    first,
  );
  await auditBothThemes(page, 'the 6-digit code');

  const code = ((await page.getByTestId('reverse-code').textContent()) ?? '').replace(/\D/g, '');
  assert.equal((await redeem(code)).status, 200);
  await desktop.send({ type: 'done', ok: true });
  await desktop.complete();
  await page.getByTestId('pair-done').waitFor();
});

test('neutral ends (no link, cancelled on the computer) are plain; a damaged link is still an error', async (t) => {
  const page = owner.page;
  await page.goto('about:blank');
  await page.goto(`${srv.phoneOrigin}/m/pair`);
  const noLink = page.getByTestId('pair-error');
  await noLink.waitFor();
  assert.equal(await noLink.getAttribute('data-reason'), 'no-link');
  assert.equal(await noLink.getAttribute('data-tone'), 'neutral');
  await assertNeutral(page, 'pair-error');
  await auditBothThemes(page, 'no link');

  const desktop = await startDesktop({ url: srv.url, phoneOrigin: srv.phoneOrigin });
  t.onTestFinished(() => desktop.close());
  desktop.cancel();
  await desktop.closed;
  await page.goto('about:blank');
  await page.goto(desktop.link);
  await page.locator('[data-testid="pair-error"][data-reason="cancelled"]').waitFor();
  await assertNeutral(page, 'pair-error');

  const broken = new URL(desktop.link);
  // A link cut short (part of the key and secret lost), whatever its version.
  broken.hash = broken.hash.slice(0, -12);
  assert.notEqual(broken.toString(), desktop.link);
  await page.goto('about:blank');
  await page.goto(broken.toString());
  const malformed = page.locator('[data-testid="pair-error"][data-reason="malformed"]');
  await malformed.waitFor();
  assert.equal(await malformed.getAttribute('role'), 'alert');
  assert.equal(await malformed.getAttribute('data-tone'), 'error');
  await auditBothThemes(page, 'damaged link');
});
