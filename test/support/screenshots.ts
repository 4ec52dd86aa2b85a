/**
 * Screenshots for docs/screenshots/, made by driving the real flows with the test kit (real
 * server and relay, software phones, the desktop renderer with the real main-process handlers).
 *
 *   dbus-run-session -- bash scripts/with-keyring.sh npx tsx test/support/screenshots.ts
 *
 * Phone screens at 390x844 (light and dark: screenshots-phone.ts), desktop screens
 * at 1100x750 in light and dark. The login QR encodes a live secret, so it is masked.
 * `desktopScreens` (issue 9) adds every desktop screen at 1100x750 and 800x600, light and dark
 * (`<name>-light.png`, `<name>-800x600-dark.png`, ...). `desktopScreensZh` shows the same
 * screens with the OS in Simplified Chinese (`<name>-zh-CN-light.png`). `npm run screenshots`
 * runs this file; `npm run screenshots -- --only=zh-CN` only the Chinese desktop screens and
 * Settings › Password.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import type { TestContext } from 'vitest';
import {
  openAddPasskey,
  confirmPhoneStep,
  openSettings,
  signInWithPassword,
  stepUpDialog,
} from '../e2e/support/desktop-ui';
import { startTcpGate } from '../e2e/support/tcp-gate';
import zh from '../../renderer/src/i18n/zh-CN.json';
import { KeychainUnavailableError, type TokenVault } from '../../electron/services/token-vault';
import type { LaunchDesktopOptions } from './desktop';
import { PASSWORD, startWorld, type World } from './world';
import { createPhone, type Phone } from './phone';
import { readQr } from './read-qr';
import { REPO_ROOT } from './renderer-static';
import { phoneScreens, phoneShots } from './screenshots-phone';

const OUT = path.join(REPO_ROOT, 'docs', 'screenshots');
const DESKTOP_VIEWPORT = { width: 1100, height: 750 };

const cleanups: (() => Promise<unknown> | unknown)[] = [];
/** world.launchDesktop wants a test context only to close the desktop when the test ends. */
const ctx = {
  onTestFinished: (fn: () => unknown) => cleanups.push(fn),
} as unknown as TestContext;

async function shot(page: Page, name: string, mask: Locator[] = []) {
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({
    path: file,
    scale: 'css',
    mask,
    maskColor: '#8a8f98', // a plain grey block where the live QR is
    animations: 'disabled',
  });
  console.log(`wrote ${path.relative(REPO_ROOT, file)}`);
}

/** Desktop screenshot in light and dark: <name>-light.png, <name>-dark.png. */
async function desktopShots(page: Page, name: string, mask: Locator[] = []) {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.waitForTimeout(150);
    await shot(page, `${name}-${colorScheme}`, mask);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function desktop(world: World, localAddress?: string) {
  const d = await world.launchDesktop(ctx, localAddress ? { localAddress } : {});
  await d.page.setViewportSize(DESKTOP_VIEWPORT);
  return d.page;
}

async function extraPhone(world: World): Promise<Phone> {
  const phone = await createPhone({
    phoneOrigin: world.server.phoneOrigin,
    browser: world.browser,
  });
  cleanups.push(() => phone.close());
  return phone;
}

/** Opens the desktop's add-passkey code on `phone` and says yes on the desktop. */
async function addPasskeyOn(world: World, email: string, phone: Phone) {
  const page = await desktop(world);
  await signInWithPassword(page, email);
  const dialog = await openAddPasskey(page);
  const link = await readQr(page);
  await phone.page.goto(link);
  const step = confirmPhoneStep(dialog);
  await step.group.waitFor();
  await step.yes.click();
}

// ------------------------------------------------------------------ desktop screens (issue 9)

const SMALL_VIEWPORT = { width: 800, height: 600 };

/** One desktop screen at both sizes, light and dark; the size is put back afterwards. */
async function desktopScreen(page: Page, name: string, mask: Locator[] = []) {
  await desktopShots(page, name, mask);
  await page.setViewportSize(SMALL_VIEWPORT);
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await page.waitForTimeout(150);
    await shot(page, `${name}-800x600-${colorScheme}`, mask);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(DESKTOP_VIEWPORT);
}

async function desktopWith(world: World, options: Partial<LaunchDesktopOptions>) {
  const d = await world.launchDesktop(ctx, options);
  await d.page.setViewportSize(DESKTOP_VIEWPORT);
  return d.page;
}

/** Every desktop screen issue 9 changed, from the real flows. */
async function desktopScreens(world: World) {
  const { email, phone } = await world.newAccount();
  const liveQr = (page: Page) => [page.getByTestId('login-qr')];

  // Login: password mode with the "Forgot password?" note.
  {
    const page = await desktop(world);
    await readQr(page);
    await page.getByRole('button', { name: 'Sign in with password instead' }).click();
    await page.getByRole('button', { name: 'Forgot password?' }).click();
    await page.getByTestId('forgot-password').waitFor();
    await desktopScreen(page, 'desktop-login-password');
  }

  // Scanned: "Check your phone" (motion off in screenshots), then the reverse-code step.
  {
    const page = await desktop(world, '127.0.0.2');
    const link = await readQr(page);
    await desktopScreen(page, 'desktop-login-qr', liveQr(page));
    await phone.page.goto('about:blank');
    await phone.page.goto(link);
    await page.getByTestId('check-phone').waitFor();
    await desktopScreen(page, 'desktop-login-check-phone');
    await phone.page.getByRole('button', { name: 'Approve' }).click();
    await page.getByLabel('Code from your phone', { exact: true }).waitFor();
    await desktopScreen(page, 'desktop-login-reverse-code');
  }

  // The server out of reach at launch: named, retried with backoff.
  {
    const gate = await startTcpGate({ host: '127.0.0.1', port: world.server.port }, false);
    cleanups.push(() => gate.close());
    const page = await desktopWith(world, { serverUrl: gate.url });
    await page
      .getByTestId('server-retry')
      .getByText(/Tried 2 times/)
      .waitFor({ timeout: 20_000 });
    await desktopScreen(page, 'desktop-login-server-down');
  }

  // No keychain: one fix step before any QR.
  {
    const refuse = async (): Promise<never> => {
      throw new KeychainUnavailableError('no Secret Service (screenshot)');
    };
    const vault: TokenVault = {
      getRefreshToken: refuse,
      setRefreshToken: refuse,
      deleteRefreshToken: refuse,
      getCurrentAccount: refuse,
      setCurrentAccount: refuse,
    };
    const page = await desktopWith(world, { vault, mode: 'browser' });
    await page.getByTestId('keychain-needed').waitFor();
    await desktopScreen(page, 'desktop-keychain-needed');
  }

  // Signed in: the account with its checklist, the sessions list and its confirmation, the
  // add-passkey dialog, the sign-out confirmation and the "Signed out" notice.
  {
    const page = await desktop(world);
    await signInWithPassword(page, email);
    await page.getByRole('list', { name: 'Security checklist' }).waitFor();
    await desktopScreen(page, 'desktop-account');
    await openSettings(page, 'Sessions');
    await page.getByTestId('session-row').nth(1).waitFor();
    await desktopScreen(page, 'desktop-settings-sessions');
    await page
      .getByTestId('session-row')
      .filter({ hasNotText: 'This computer' })
      .getByRole('button', { name: /^Sign out / })
      .click();
    await page.getByRole('dialog').waitFor();
    await desktopScreen(page, 'desktop-settings-sessions-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Account' }).click();
    await page.getByText('all reviewed').waitFor();
    await desktopScreen(page, 'desktop-account-reviewed');
    await openSettings(page, 'Passkeys');
    await page.getByTestId('passkey-row').first().waitFor();
    await desktopScreen(page, 'desktop-settings-passkeys');
    await settingsPassword(page);
    const dialog = await openAddPasskey(page);
    await desktopScreen(page, 'desktop-add-passkey', [dialog.getByTestId('login-qr')]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('dialog', { name: 'Sign out?' }).waitFor();
    await desktopScreen(page, 'desktop-sign-out-confirm');
    await page
      .getByRole('dialog', { name: 'Sign out?' })
      .getByRole('button', { name: 'Sign out' })
      .click();
    await page.getByTestId('signed-out-notice').waitFor();
    await readQr(page);
    await desktopScreen(page, 'desktop-signed-out', liveQr(page));
  }

  // The codes stopped: the last one dimmed in place (a world whose codes live 3 s).
  {
    const short = await startWorld({ tunnel: { limits: { unscannedMs: 3_000 } } });
    cleanups.push(() => short.close());
    const page = await desktopWith(short, { qrMaxWaitMs: 4_000 });
    await page.getByTestId('qr-expired').waitFor({ timeout: 20_000 });
    await desktopScreen(page, 'desktop-login-expired');
  }
}

/** Settings › Password (light and dark), from a signed-in desktop showing Settings. */
async function settingsPassword(page: Page) {
  await openSettings(page, 'Password');
  await page.getByLabel('Current password', { exact: true }).waitFor();
  await desktopShots(page, 'desktop-settings-password');
}

/** A desktop screen in Chinese, light: <name>-zh-CN-light.png. */
async function zhShot(page: Page, name: string, mask: Locator[] = []) {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.waitForTimeout(150);
  await shot(page, `${name}-zh-CN-light`, mask);
}

/** The desktop screens with the OS in Simplified Chinese (issue 9, "Ready for more than English"). */
async function desktopScreensZh(world: World) {
  const { email, phone } = await world.newAccount();
  const liveQr = (page: Page) => [page.getByTestId('login-qr')];
  const zhDesktop = (options: Partial<LaunchDesktopOptions> = {}) =>
    desktopWith(world, { locale: 'zh-CN', ...options });
  const settings = async (page: Page, id: keyof typeof zh.settings) => {
    await page
      .getByRole('navigation', { name: zh.app.nav.label })
      .getByRole('button', { name: zh.app.nav.settings })
      .click();
    await page
      .getByRole('navigation', { name: zh.settings.label })
      .getByRole('button', { name: zh.settings[id], exact: true })
      .click();
  };

  // Login: the QR, then password mode with "Forgot password?".
  {
    const page = await zhDesktop();
    await readQr(page);
    await zhShot(page, 'desktop-login-qr', liveQr(page));
    await page.getByRole('button', { name: zh.login.usePassword }).click();
    await page.getByRole('button', { name: zh.passwordForm.forgot }).click();
    await page.getByTestId('forgot-password').waitFor();
    await zhShot(page, 'desktop-login-password');
  }

  // Scanned from another network: "Check your phone", then the 6-digit code.
  {
    const page = await zhDesktop({ localAddress: '127.0.0.2' });
    const link = await readQr(page);
    await phone.page.goto('about:blank');
    await phone.page.goto(link);
    await page.getByTestId('check-phone').waitFor();
    await zhShot(page, 'desktop-login-check-phone');
    await phone.page.getByRole('button', { name: 'Approve' }).click();
    await page.getByLabel(zh.reverseCode.field, { exact: true }).waitFor();
    await zhShot(page, 'desktop-login-reverse-code');
  }

  // No keychain: the fix step.
  {
    const refuse = async (): Promise<never> => {
      throw new KeychainUnavailableError('no Secret Service (screenshot)');
    };
    const vault: TokenVault = {
      getRefreshToken: refuse,
      setRefreshToken: refuse,
      deleteRefreshToken: refuse,
      getCurrentAccount: refuse,
      setCurrentAccount: refuse,
    };
    const page = await zhDesktop({ vault, mode: 'browser' });
    await page.getByTestId('keychain-needed').waitFor();
    await zhShot(page, 'desktop-keychain-needed');
  }

  // Signed in: the account, every Settings section, the add-passkey dialog, sign out.
  {
    const page = await zhDesktop();
    await readQr(page);
    await page.getByRole('button', { name: zh.login.usePassword }).click();
    await page.getByLabel(zh.fields.email, { exact: true }).fill(email);
    await page.getByLabel(zh.fields.password, { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: zh.passwordForm.submit, exact: true }).click();
    await page.getByRole('list', { name: zh.checklist.title }).waitFor();
    await zhShot(page, 'desktop-account');
    await settings(page, 'passkeys');
    await page.getByTestId('passkey-row').first().waitFor();
    await zhShot(page, 'desktop-settings-passkeys');
    await settings(page, 'authenticator');
    await page.getByRole('heading', { name: zh.authenticator.title }).waitFor();
    await zhShot(page, 'desktop-settings-authenticator');
    await settings(page, 'password');
    await page.getByLabel(zh.password.current, { exact: true }).waitFor();
    await zhShot(page, 'desktop-settings-password');
    await settings(page, 'sessions');
    await page.getByTestId('session-row').nth(1).waitFor();
    await zhShot(page, 'desktop-settings-sessions');
    await settings(page, 'activity');
    await page.locator('.rows .row').first().waitFor();
    await zhShot(page, 'desktop-settings-activity');
    await settings(page, 'passkeys');
    await page.getByRole('button', { name: zh.passkeys.add }).click();
    const stepUp = page.getByRole('dialog', { name: zh.stepUp.title });
    // The account has a passkey: the phone is offered first, the password is the fallback.
    await stepUp.getByRole('img', { name: zh.qr.altStepUp }).waitFor();
    await zhShot(page, 'desktop-step-up-phone', [stepUp.getByTestId('login-qr')]);
    await stepUp.getByRole('button', { name: zh.stepUp.usePassword }).click();
    await stepUp.getByLabel(zh.fields.password, { exact: true }).fill(PASSWORD);
    await zhShot(page, 'desktop-confirm-its-you');
    await stepUp.getByRole('button', { name: zh.stepUp.submit, exact: true }).click();
    const dialog = page.getByRole('dialog', { name: zh.passkeys.addTitle });
    await dialog.getByRole('img', { name: zh.qr.altAddPasskey }).waitFor();
    await zhShot(page, 'desktop-add-passkey', [dialog.getByTestId('login-qr')]);
    await dialog.getByRole('button', { name: zh.qr.cancel }).click();
    await page.getByRole('banner').getByRole('button', { name: zh.app.signOut }).click();
    await page.getByRole('dialog', { name: zh.app.signOutDialog.title }).waitFor();
    await zhShot(page, 'desktop-sign-out-confirm');
    await page
      .getByRole('dialog', { name: zh.app.signOutDialog.title })
      .getByRole('button', { name: zh.app.signOutDialog.confirm })
      .click();
    await page.getByTestId('signed-out-notice').waitFor();
    await readQr(page);
    await zhShot(page, 'desktop-signed-out', liveQr(page));
  }
}

/** Only the zh-CN desktop screens and Settings › Password (light, dark). */
async function zhAndPasswordOnly(world: World) {
  await desktopScreensZh(world);
  const { email } = await world.newAccount();
  const page = await desktop(world);
  await signInWithPassword(page, email);
  await settingsPassword(page);
}

/**
 * "Confirm it's you" with a passkey: on the desktop the phone's code first, the password as
 * the fallback, the pair page's step-up review and done; Settings › Password with the
 * forgotten-password hint; on the phone the sheet with the passkey first and its fallback.
 */
async function stepUpScreens(world: World) {
  const { email, phone } = await world.newAccount();
  {
    const page = await desktop(world);
    await signInWithPassword(page, email);
    await openSettings(page, 'Password');
    await page.getByText(/Forgot it\? Leave it empty/).waitFor();
    await desktopScreen(page, 'desktop-settings-password');
    await openSettings(page, 'Passkeys');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    let dialog = await stepUpDialog(page);
    await desktopScreen(page, 'desktop-step-up-phone', [dialog.getByTestId('login-qr')]);
    await dialog.getByRole('button', { name: 'Use password instead' }).click();
    await dialog.getByLabel('Password', { exact: true }).waitFor();
    await desktopScreen(page, 'desktop-step-up-password');
    await dialog.getByRole('button', { name: 'Confirm with your phone instead' }).click();
    dialog = await stepUpDialog(page);
    await phone.page.goto(await readQr(page));
    await phone.page.getByRole('button', { name: 'Approve' }).waitFor();
    await phoneShots(phone.page, 'pair-step-up-review');
    await phone.page.getByRole('button', { name: 'Approve' }).click();
    await phone.page.getByTestId('pair-done').waitFor();
    await phoneShots(phone.page, 'pair-step-up-done');
    await dialog.waitFor({ state: 'detached' });
  }
  {
    await phone.open('/m/security');
    await phone.signOut();
    await phone.signInWithPasskey();
    await phone.page.getByRole('button', { name: 'Create a passkey' }).click();
    const sheet = phone.page.getByTestId('stepup-dialog');
    await sheet.getByRole('button', { name: 'Use your passkey' }).waitFor();
    await phoneShots(phone.page, 'stepup-passkey', false);
    await sheet.getByRole('button', { name: 'Use password instead' }).click();
    await sheet.getByLabel('Password', { exact: true }).waitFor();
    await phoneShots(phone.page, 'stepup-password', false);
    await sheet.getByRole('button', { name: 'Cancel' }).click();
  }
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const world = await startWorld();
  try {
    if (process.argv.includes('--only=zh-CN')) return await zhAndPasswordOnly(world);
    await stepUpScreens(world);
    // SCREENSHOTS=step-up: only the screens above (a quick look after changing them).
    if (process.env.SCREENSHOTS === 'step-up') return;
    await desktopScreens(world);
    await desktopScreensZh(world);

    const { email, phone } = await world.newAccount();

    // (1) Desktop login with the QR (masked) and the version footer; (2) phone sign-in review.
    {
      const page = await desktop(world);
      await page.getByText('Waiting for your phone to scan the code').waitFor();
      const link = await readQr(page);
      await page.getByText(/^Keybridge \S+$/).waitFor();
      await desktopShots(page, 'desktop-login', [page.getByTestId('login-qr')]);
      await phone.page.goto(link);
      await phone.page.getByRole('button', { name: 'Approve' }).waitFor();
      await shot(phone.page, 'phone-pair-signin-review');
      await desktopShots(page, 'desktop-login-scanned');
      await phone.page.getByRole('button', { name: 'Deny' }).click();
      await phone.page.getByTestId('pair-denied').waitFor();
    }

    // (3) Different networks: the phone's review with the warning, then the reverse code;
    // (4) the desktop asking for it.
    {
      const page = await desktop(world, '127.0.0.2');
      const link = await readQr(page);
      await phone.page.goto(link);
      await phone.page.getByRole('button', { name: 'Approve' }).waitFor();
      await phone.page.getByTestId('network-warning').waitFor();
      await shot(phone.page, 'phone-pair-signin-review-other-network');
      await phone.page.getByRole('button', { name: 'Approve' }).click();
      await phone.page.getByTestId('reverse-code').waitFor();
      await shot(phone.page, 'phone-pair-reverse-code');
      await page.getByLabel('Code from your phone', { exact: true }).waitFor();
      await desktopShots(page, 'desktop-needs-code');
    }

    // (5) Add a passkey: the review on a second phone signed in to the same account.
    {
      const tablet = await extraPhone(world);
      await tablet.signIn(email, PASSWORD);
      await addPasskeyOn(world, email, tablet);
      await tablet.page.getByRole('button', { name: 'Approve' }).waitFor();
      await shot(tablet.page, 'phone-pair-add-passkey-review');
    }

    // (6) Refusals: a signed-out phone, and a phone signed in to another account.
    {
      const signedOut = await extraPhone(world);
      await addPasskeyOn(world, email, signedOut);
      await signedOut.page.getByTestId('pair-error').waitFor();
      await shot(signedOut.page, 'phone-pair-refused-signed-out');

      const { phone: stranger } = await world.newAccount();
      await addPasskeyOn(world, email, stranger);
      await stranger.page.getByTestId('pair-error').waitFor();
      await shot(stranger.page, 'phone-pair-refused-wrong-account');
    }

    // Every phone screen in light and dark (test/support/screenshots-phone.ts).
    await phoneScreens(world, {
      desktop: (localAddress) => desktop(world, localAddress),
      extraPhone: () => extraPhone(world),
      addPasskeyOn: (to, phone) => addPasskeyOn(world, to, phone),
    });
  } finally {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
    await world.close();
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
