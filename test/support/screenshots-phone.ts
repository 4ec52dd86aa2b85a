/**
 * The phone's screens for docs/screenshots/ at 390x844, each in light and dark
 * (phone-<screen>-light.png, phone-<screen>-dark.png), from the real flows: the phone app's
 * own pages, and the pair page driven by the real desktop app. The main screens again in
 * Simplified Chinese (phone-<screen>-zh-CN-light.png), forced with `?lang=zh-CN` as a person's
 * browser language would. Called from screenshots.ts, which owns the server, the desktops and
 * the cleanup.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import * as OTPAuth from 'otpauth';
import { PASSWORD, type World } from './world';
import type { Phone } from './phone';
import { readQr } from './read-qr';
import { REPO_ROOT } from './renderer-static';

const OUT = path.join(REPO_ROOT, 'docs', 'screenshots');

export type PhoneScreenDeps = {
  /** A desktop app window against the world's server (from another address: other network). */
  desktop(localAddress?: string): Promise<Page>;
  /** A signed-out phone, closed with the run. */
  extraPhone(): Promise<Phone>;
  /** Opens the desktop's add-passkey code on `phone` and says yes on the desktop. */
  addPasskeyOn(email: string, phone: Phone): Promise<void>;
};

const painted = (page: Page) =>
  page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => r())));

/** One phone screen in both themes; a dialog's screen as the viewport shows it (fullPage off). */
export async function phoneShots(page: Page, name: string, fullPage = true) {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await painted(page);
    const file = path.join(OUT, `phone-${name}-${colorScheme}.png`);
    await page.screenshot({ path: file, scale: 'css', animations: 'disabled', fullPage });
    console.log(`wrote ${path.relative(REPO_ROOT, file)}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** One phone screen in light only, for a language variant: phone-<name>-light.png. */
async function phoneShotLight(page: Page, name: string) {
  await page.emulateMedia({ colorScheme: 'light' });
  await painted(page);
  const file = path.join(OUT, `phone-${name}-light.png`);
  await page.screenshot({ path: file, scale: 'css', animations: 'disabled', fullPage: true });
  console.log(`wrote ${path.relative(REPO_ROOT, file)}`);
}

/** One part of a phone screen (a section), in both themes. */
async function sectionShots(page: Page, testId: string, name: string) {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await painted(page);
    const file = path.join(OUT, `phone-${name}-${colorScheme}.png`);
    await page.getByTestId(testId).screenshot({ path: file, scale: 'css', animations: 'disabled' });
    console.log(`wrote ${path.relative(REPO_ROOT, file)}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Verify in "Confirm it's you" when the page asks (a sign-up's own check may have run out). */
async function verifyIfAsked(phone: Phone, next: Promise<unknown>) {
  const dialog = phone.page.getByTestId('stepup-dialog');
  await Promise.race([dialog.waitFor(), next]);
  if (await dialog.isVisible()) await phone.verify(PASSWORD);
}

export async function phoneScreens(world: World, deps: PhoneScreenDeps): Promise<void> {
  // Signed out: sign in, sign up, the pair page opened without a QR code.
  {
    const phone = await deps.extraPhone();
    await phone.open('/m/signin');
    await phone.page.getByTestId('signin-page').waitFor();
    await phoneShots(phone.page, 'signin');
    await phone.open('/m/signup');
    await phone.page.getByTestId('signup-page').waitFor();
    await phoneShots(phone.page, 'signup');
    await phone.open('/m/pair');
    await phone.page.getByTestId('pair-error').waitFor();
    await phoneShots(phone.page, 'pair-no-link');
  }

  const { email, phone } = await world.newAccount();
  const page = phone.page;

  // Security: the page, a second passkey on the same phone refused, then renamed.
  {
    await page.locator('[data-testid="passkeys-section"][aria-busy="false"]').waitFor();
    await phoneShots(page, 'security');
    await page.getByRole('button', { name: 'Create a passkey' }).click();
    const error = page.getByTestId('passkeys-section').getByTestId('error');
    await verifyIfAsked(phone, error.waitFor());
    await error.waitFor();
    await phoneShots(page, 'security-passkey-exists');
    await page.getByRole('button', { name: /^Rename / }).click();
    await page.getByLabel('Passkey name').fill('Work phone');
    await phoneShots(page, 'security-rename');
    await page.getByLabel('Passkey name').press('Enter');
    await page.getByTestId('passkey-renamed').waitFor();
    await phoneShots(page, 'security-renamed');
  }

  // Pair page, same network: the review, then done.
  {
    const desktop = await deps.desktop();
    await phone.page.goto(await readQr(desktop));
    await page.getByRole('button', { name: 'Approve' }).waitFor();
    await phoneShots(page, 'pair-signin-review');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByTestId('pair-done').waitFor();
    await phoneShots(page, 'pair-signin-done');
  }

  // Other networks: the warning, the 6-digit code with its time left, typed on the computer.
  {
    const desktop = await deps.desktop('127.0.0.2');
    await phone.page.goto(await readQr(desktop));
    await page.getByTestId('network-warning').waitFor();
    await phoneShots(page, 'pair-signin-review-other-network');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByTestId('code-time-left').waitFor();
    await phoneShots(page, 'pair-code');
    const code = ((await page.getByTestId('reverse-code').textContent()) ?? '').replace(/\D/g, '');
    const input = desktop.getByLabel('Code from your phone', { exact: true });
    await input.fill(code);
    await input.press('Enter');
    await page.getByTestId('pair-done').waitFor();
  }

  // Add a passkey from the phone that already has one: the review, then what to do instead.
  {
    await deps.addPasskeyOn(email, phone);
    await page.getByRole('button', { name: 'Approve' }).waitFor();
    await phoneShots(page, 'pair-add-passkey-review');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('[data-testid="pair-error"][data-reason="already-registered"]').waitFor();
    await phoneShots(page, 'pair-already-has-passkey');
  }

  // Authenticator app, on an account of its own (its desktop sign-ins would need the code).
  {
    const { phone: other } = await world.newAccount();
    const p = other.page;
    await p.getByRole('button', { name: 'Set up authenticator app' }).click();
    const secretShown = p.getByTestId('totp-secret');
    await verifyIfAsked(other, secretShown.waitFor());
    await secretShown.waitFor();
    await phoneShots(p, 'authenticator-setup');
    const secret = ((await secretShown.textContent()) ?? '').replace(/\s/g, '');
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) });
    await p.getByLabel('Code from your authenticator app').fill(totp.generate());
    await p.getByRole('button', { name: 'Verify' }).click();
    await p.getByTestId('recovery-code').first().waitFor();
    await phoneShots(p, 'recovery-codes');
  }

  // Password and Sessions, on an account of its own (its password changes): the change says
  // how many other sessions were signed out; ending another session asks first and says
  // "Signed out".
  {
    const { email: own, phone: mine } = await world.newAccount();
    const p = mine.page;
    const other = await deps.extraPhone();
    await other.signIn(own, PASSWORD);
    await p.reload();
    await p.getByTestId('session-row').nth(1).waitFor();
    await sectionShots(p, 'password-section', 'security-password');
    const section = p.getByTestId('password-section');
    const changedTo = `${PASSWORD} and more`;
    await section.getByLabel('Current password', { exact: true }).fill(PASSWORD);
    await section.getByLabel('New password', { exact: true }).fill(changedTo);
    await section.getByLabel('Confirm new password', { exact: true }).fill(changedTo);
    await section.getByRole('button', { name: 'Change password' }).click();
    const changed = section.getByTestId('password-changed');
    await verifyIfAsked(mine, changed.waitFor());
    await changed.waitFor();
    await sectionShots(p, 'password-section', 'security-password-changed');

    await other.signIn(own, changedTo);
    await p.reload();
    const row = p.getByTestId('session-row').filter({ hasNotText: 'This phone' });
    await row.waitFor();
    await row.getByRole('button', { name: /^Sign out / }).click();
    await p.getByTestId('signout-dialog').waitFor();
    await phoneShots(p, 'security-signout-confirm', false);
    await p.getByTestId('signout-dialog').getByRole('button', { name: 'Sign out' }).click();
    await p.getByTestId('session-signed-out').waitFor();
    await sectionShots(p, 'sessions-section', 'security-signed-out');
  }

  // Simplified Chinese: the main screens, light (the language is kept for the tab).
  {
    const zh = await deps.extraPhone();
    await zh.open('/m/signin?lang=zh-CN');
    await zh.page.getByTestId('signin-page').waitFor();
    await phoneShotLight(zh.page, 'signin-zh-CN');
    await zh.open('/m/signup');
    await zh.page.getByTestId('signup-page').waitFor();
    await phoneShotLight(zh.page, 'signup-zh-CN');
    await zh.open('/m/pair');
    await zh.page.getByTestId('pair-error').waitFor();
    await phoneShotLight(zh.page, 'pair-no-link-zh-CN');

    const { phone: z } = await world.newAccount();
    const p = z.page;
    await z.open('/m/security?lang=zh-CN');
    await p.locator('[data-testid="passkeys-section"][aria-busy="false"]').waitFor();
    await p.getByTestId('activity-row').first().waitFor();
    await phoneShotLight(p, 'security-zh-CN');
    await sectionShots(p, 'password-section', 'security-password-zh-CN');

    const desktop = await deps.desktop();
    await p.goto(await readQr(desktop));
    await p.getByTestId('pair-review').waitFor();
    await phoneShotLight(p, 'pair-signin-review-zh-CN');
    await p.getByRole('button', { name: '批准' }).click(); // Approve
    await p.getByTestId('pair-done').waitFor();
    await phoneShotLight(p, 'pair-signin-done-zh-CN');
  }
}
