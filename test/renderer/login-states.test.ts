/**
 * Issue 9, the desktop's login screen and account page as a person meets them, in the
 * browser harness against the real server, relay, phones and keychain:
 * - a fresh one-minute code counts down from 1:00, never 1:01;
 * - when the codes stop, the last one stays in place, dimmed past reading, with a neutral
 *   "Show a new code" (no red error), and that button brings a working code;
 * - the side column follows the state (password mode, the reverse-code step) and the
 *   password link is hidden while a phone is part-way through; "Forgot password?" says what
 *   to do;
 * - adding a passkey: "Check your phone" moves gently, and not at all with reduced motion;
 * - the security checklist says "Review", never "Fix", for a phone plus this computer, and is
 *   done once the sessions were reviewed; "Member since" is a date ("1 Dec 2026");
 * - no keychain: no QR at all, one fix step without the raw D-Bus text, and "Check again"
 *   brings the sign-in back once the keychain answers;
 * - axe finds nothing serious or critical on these screens.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { Page } from 'playwright-core';
import { KeychainUnavailableError, type TokenVault } from '../../electron/services/token-vault';
import { seriousAxeFindings } from '../support/axe';
import { readQr } from '../support/read-qr';
import { confirmPhoneStep, openAddPasskey, signInWithPassword } from '../e2e/support/desktop-ui';
import { startWorld, type World } from '../support/world';

async function noSeriousAxe(page: Page, where: string) {
  assert.deepEqual(await seriousAxeFindings(page), [], `axe on ${where}`);
}

describe('with the relay’s real lifetimes', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  test('a fresh code counts down from 1:00, never 1:01', async (t) => {
    const { page } = await world.launchDesktop(t);
    await readQr(page);
    // Every value the countdown shows in its first seconds, read as it is painted.
    const seen = (await page.evaluate(`new Promise((resolve) => {
      const values = [];
      const until = performance.now() + 2500;
      const read = () => {
        const el = document.querySelector('[data-testid="qr-countdown"]');
        if (el) values.push(el.textContent);
        if (performance.now() < until) requestAnimationFrame(read);
        else resolve([...new Set(values)]);
      };
      read();
    })`)) as string[];
    void t.annotate(`countdown shown: ${seen.join(' | ')}`);
    assert.ok(seen.length > 0, 'the countdown is on screen');
    for (const v of seen) assert.match(v, /^A new code appears in (1:00|0:5\d)$/, v);
    await noSeriousAxe(page, 'the login screen');
  });

  test('password mode: the side column is about the password; "Forgot password?" says what to do', async (t) => {
    const { page } = await world.launchDesktop(t);
    const guide = page.getByTestId('login-guide');
    await readQr(page);
    assert.match(await guide.innerText(), /camera/, 'while a code is shown: how to scan it');
    await page.getByRole('button', { name: 'Sign in with password instead' }).click();
    await page.getByLabel('Email', { exact: true }).waitFor();
    const words = await guide.innerText();
    assert.doesNotMatch(words, /camera|point it at the code/, 'no camera steps in password mode');
    assert.match(words, /password/);
    await page.getByRole('button', { name: 'Forgot password?' }).click();
    const note = page.getByTestId('forgot-password');
    assert.match(await note.innerText(), /Use my phone instead/);
    // The exact path for a forgotten password: sign in with the passkey, then Settings ›
    // Password with the current one left empty, confirmed with the phone; no passkey: support.
    assert.match(await note.innerText(), /Settings › Password/);
    assert.match(await note.innerText(), /leave “Current password” empty/);
    assert.match(await note.innerText(), /confirm it’s you with your phone/);
    assert.match(await note.innerText(), /support/);
    await noSeriousAxe(page, 'password sign-in with the forgot-password note');
  });

  test('reverse-code step: no password link, the side column explains the code', async (t) => {
    const { phone } = await world.newAccount();
    const { page } = await world.launchDesktop(t, { localAddress: '127.0.0.2' });
    const link = await readQr(page);
    await phone.page.goto('about:blank');
    await phone.approvePairing(link, { expectCode: true });
    await page.getByLabel('Code from your phone', { exact: true }).waitFor();
    assert.equal(
      await page.getByRole('button', { name: 'Sign in with password instead' }).count(),
      0,
      'the password link is hidden during the code step',
    );
    const words = await page.getByTestId('login-guide').innerText();
    assert.match(words, /different networks/);
    assert.doesNotMatch(words, /point it at the code/);
    await noSeriousAxe(page, 'the reverse-code step');
  });

  test('add a passkey from a phone that already has one: said plainly, no retry that fails again, one way out', async (t) => {
    const { email, phone } = await world.newAccount();
    const { page } = await world.launchDesktop(t);
    await signInWithPassword(page, email);
    const dialog = await openAddPasskey(page);
    // While the code is up, the dialog has one way out: Cancel (no second "Close").
    assert.deepEqual(await dialog.getByRole('button').allInnerTexts(), ['Cancel']);
    const link = await readQr(page);
    await phone.page.goto('about:blank');
    await phone.page.goto(link);
    const step = confirmPhoneStep(dialog);
    await step.yes.click();
    // "Check your phone" while the phone asks: a breathing phone, still when motion is reduced.
    const icon = dialog.getByTestId('check-phone').locator('.check-phone-icon');
    await icon.waitFor();
    const animation = () => icon.evaluate((el) => getComputedStyle(el).animationName);
    assert.equal(await animation(), 'breathe');
    await page.emulateMedia({ reducedMotion: 'reduce' });
    assert.equal(await animation(), 'none', 'prefers-reduced-motion: no motion');
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    await phone.page.getByRole('button', { name: 'Approve' }).click();
    await dialog
      .getByText(
        'This phone already has a passkey for this account. Use another phone or a security key.',
      )
      .waitFor();
    assert.deepEqual(
      await dialog.getByRole('button').allInnerTexts(),
      ['Close'],
      'no "Try again" that would fail the same way',
    );
    assert.equal(await dialog.locator('.banner.error').count(), 0, 'news, not an error');
    await noSeriousAxe(page, 'the add-passkey dialog, already registered');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  test('checklist: a phone plus this computer says Review, never Fix, and is done once reviewed', async (t) => {
    const { email } = await world.newAccount(); // the phone keeps its own web session
    const { page } = await world.launchDesktop(t);
    await signInWithPassword(page, email);
    const checklist = page.getByRole('list', { name: 'Security checklist' });
    const sessionsItem = checklist.getByRole('listitem').filter({
      hasText: 'Review where you are signed in',
    });
    await sessionsItem.waitFor();
    assert.equal(await page.getByRole('button', { name: /^Fix/ }).count(), 0, 'no "Fix" anywhere');
    assert.equal(
      await sessionsItem.getByRole('button').innerText(),
      'Review',
      'two sessions are healthy: Review',
    );
    assert.match(await sessionsItem.innerText(), /\(to do\)/);
    // "Member since" is the date only, day month year.
    const since = page.locator('dl.facts dt', { hasText: 'Member since' }).locator('+ dd');
    assert.match((await since.innerText()).trim(), /^\d{1,2} [A-Z][a-z]{2,3} \d{4}$/);
    await noSeriousAxe(page, 'the account page');

    await sessionsItem.getByRole('button', { name: /^Review/ }).click();
    await page.getByTestId('session-row').nth(1).waitFor();
    await noSeriousAxe(page, 'Settings › Sessions');
    await page.getByRole('button', { name: 'Account' }).click();
    await sessionsItem.getByText('(done)').waitFor();
    assert.match(await sessionsItem.innerText(), /all reviewed/);
  });
});

describe('when nobody scans', () => {
  let world: World;
  beforeAll(async () => {
    // Codes live 3 s and the desktop stops offering them after 5 s: the minutes of real life.
    world = await startWorld({ tunnel: { limits: { unscannedMs: 3_000 } } });
  });
  afterAll(async () => {
    await world?.close();
  });

  test('the last code stays in place, dimmed and unreadable, with a neutral "Show a new code"', async (t) => {
    const { email, phone } = await world.newAccount();
    const { page } = await world.launchDesktop(t, { qrMaxWaitMs: 5_000 });
    await readQr(page);
    const expired = page.getByTestId('qr-expired');
    await expired.waitFor({ timeout: 20_000 });
    const frame = page.getByTestId('login-qr');
    assert.equal(await frame.locator('img.stale-qr').count(), 1, 'the old code marks its place');
    await assert.rejects(readQr(page, { timeoutMs: 1_500 }), 'no camera can read the old code');
    assert.equal(await page.getByRole('alert').count(), 0, 'not an error: nothing went wrong');
    const button = expired.getByRole('button', { name: 'Show a new code' });
    assert.equal(
      await button.evaluate((b) => b.className),
      '',
      'a plain button, not red or primary',
    );
    assert.match(await page.getByTestId('login-guide').innerText(), /stopped showing codes/);
    await noSeriousAxe(page, 'the expired code');

    await button.click();
    const fresh = await readQr(page);
    await phone.page.goto('about:blank');
    await phone.approvePairing(fresh);
    await page.getByTestId('account-email').filter({ hasText: email }).waitFor();
  });
});

describe('without a keychain', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  test('no QR, one fix step without D-Bus text; "Check again" brings sign-in back', async (t) => {
    // The OS keychain is the true boundary: one that does not answer until it is "started".
    const { vault: real } = world.newVault();
    let up = false;
    const raw = 'org.freedesktop.DBus.Error.ServiceUnknown: autolaunch D-Bus failed';
    const guard =
      <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
      async (...a: A): Promise<R> => {
        if (!up) throw new KeychainUnavailableError(raw);
        return fn(...a);
      };
    const vault: TokenVault = {
      getRefreshToken: guard(real.getRefreshToken),
      setRefreshToken: guard(real.setRefreshToken),
      deleteRefreshToken: guard(real.deleteRefreshToken),
      getCurrentAccount: guard(real.getCurrentAccount),
      setCurrentAccount: guard(real.setCurrentAccount),
    };
    const { page } = await world.launchDesktop(t, { vault, mode: 'browser' });
    const screen = page.getByTestId('keychain-needed');
    await screen.waitFor();
    const words = await page.locator('body').innerText();
    assert.match(words, /To fix it:/);
    assert.match(words, /Nothing was saved to disk/);
    assert.doesNotMatch(words, /D-Bus|dbus|freedesktop|autolaunch/i, 'no raw D-Bus text');
    assert.equal(await page.getByTestId('login-qr').count(), 0, 'no QR to approve for nothing');
    assert.equal(
      await page.getByRole('button', { name: 'Sign in with password instead' }).count(),
      0,
    );
    await noSeriousAxe(page, 'the keychain screen');

    up = true;
    await screen.getByRole('button', { name: 'Check again' }).click();
    await readQr(page);
    assert.equal(await screen.count(), 0);
  });
});
