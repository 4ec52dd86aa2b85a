/**
 * The renderer itself, in the browser harness against the real server and keychain: it runs
 * under its strict CSP and cannot reach the network; it is usable from the keyboard; it says
 * plainly when there is no keychain; and the Authenticator app pane enrols an authenticator app (QR +
 * manual key, recovery codes once), password sign-in then asks for the code, and turning 2FA
 * off needs a verification (here answered with a recovery code).
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, test } from 'vitest';
import * as OTPAuth from 'otpauth';
import type { Page } from 'playwright-core';
import { KeychainUnavailableError, type TokenVault } from '../../electron/services/token-vault';
import { readQr } from '../support/read-qr';
import { PASSWORD, startWorld, type World } from '../support/world';
import { usePasswordInstead } from '../e2e/support/desktop-ui';

let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

test('runs under its CSP with no violations, and cannot reach the network', async (t) => {
  const desktop = await world.launchDesktop(t);
  const { page } = desktop;
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  await page.reload();
  await readQr(page); // the app is fully drawn, QR included
  assert.equal(
    violations.length,
    0,
    `the app itself needs nothing the policy forbids: ${violations}`,
  );

  const result = await page.evaluate(
    `fetch(${JSON.stringify(`${world.server.url}/api/config`)}).then(() => 'reached', () => 'blocked')`,
  );
  assert.equal(result, 'blocked', 'connect-src none: the renderer cannot call the server');
  assert.ok(
    violations.some((v) => v.includes('connect-src')),
    'blocked by the CSP, not by chance',
  );
});

test("the window names the app and its own version (package.json), not Electron's", async (t) => {
  const desktop = await world.launchDesktop(t);
  const footer = desktop.page.getByTestId('app-version');
  await footer.waitFor();
  const { version } = (await import('../../package.json', { with: { type: 'json' } })).default;
  assert.equal((await footer.innerText()).trim(), `Keybridge ${version}`);
});

async function focusByTab(page: Page, name: string) {
  for (let i = 0; i < 30; i += 1) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate('document.activeElement?.textContent ?? ""');
    if (focused === name) return;
  }
  throw new Error(`could not reach "${name}" with Tab`);
}

test('keyboard only: "Can’t scan?" reveals help and copies the QR link', async (t) => {
  // Browser mode: the harness's clipboard is where the test can read what was copied.
  const desktop = await world.launchDesktop(t, {
    mode: 'browser',
  });
  const { page } = desktop;
  const link = await readQr(page);

  await focusByTab(page, 'Can’t scan?');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Copy link' }).waitFor();
  await focusByTab(page, 'Copy link');
  await page.keyboard.press('Enter');
  await page.getByText('Copied to the clipboard.').waitFor();
  assert.equal(desktop.clipboard?.(), link, 'the copied link is the one in the QR');
  assert.equal(
    (await page.content()).includes(link),
    false,
    'the link went to the clipboard without passing through the page',
  );
});

test('no keychain: plain words and one fix step before any QR, and nothing kept', async (t) => {
  // The OS keychain is the true boundary here: one that does not answer.
  const refuse = async (): Promise<never> => {
    throw new KeychainUnavailableError('no Secret Service in this test');
  };
  const vault: TokenVault = {
    getRefreshToken: refuse,
    setRefreshToken: refuse,
    deleteRefreshToken: refuse,
    getCurrentAccount: refuse,
    setCurrentAccount: refuse,
  };
  // Browser mode: only there can the test hand the main process a keychain that refuses.
  const desktop = await world.launchDesktop(t, { vault, mode: 'browser' });
  const screen = desktop.page.getByTestId('keychain-needed');
  await screen.waitFor();
  assert.match(await screen.innerText(), /keychain/i);
  assert.doesNotMatch(await screen.innerText(), /Secret Service in this test/, 'no raw detail');
  // Signing in waits for the keychain (test/renderer/login-states.test.ts covers the way back).
  assert.equal(await desktop.page.getByTestId('login-qr').count(), 0);
});

test('Authenticator app: enrol with the key, sign in with a code, turn off with a recovery code', async (t) => {
  const { email } = await world.newAccount();
  const desktop = await world.launchDesktop(t);
  const { page } = desktop;

  const signIn = async (code?: () => string) => {
    await page.getByRole('button', { name: 'Sign in with password instead' }).click();
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    if (code) {
      await page.getByLabel('Authenticator code').fill(code());
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    }
    await page.getByTestId('account-email').filter({ hasText: email }).waitFor();
  };
  await signIn();
  await page.getByRole('button', { name: 'Settings' }).click();
  const nav = page.getByRole('navigation', { name: 'Settings sections' });
  await nav.getByRole('button', { name: 'Authenticator app' }).click();
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  const verifyDialog = page.getByRole('dialog', { name: 'Confirm it’s you' });
  await usePasswordInstead(verifyDialog);
  await verifyDialog.getByLabel('Password').fill(PASSWORD);
  await verifyDialog.getByRole('button', { name: 'Confirm', exact: true }).click();

  const enrol = page.getByRole('dialog', { name: 'Set up an authenticator app' });
  await enrol.getByRole('img', { name: 'QR code for your authenticator app' }).waitFor();
  const key = (await enrol.getByTestId('totp-manual-key').innerText()).replace(/\s+/g, '');
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(key) });
  await enrol.getByLabel('Code from the app').fill(totp.generate());
  await enrol.getByRole('button', { name: 'Turn on', exact: true }).click();

  const codesDialog = page.getByRole('dialog', { name: 'Save your recovery codes' });
  const codes = await codesDialog.getByRole('listitem').allInnerTexts();
  assert.ok(codes.length >= 5, 'recovery codes are shown');
  await codesDialog.getByRole('button', { name: 'I have saved them' }).click();
  await page.getByText('On', { exact: true }).waitFor();

  // Password sign-in now asks for the code (the next 30-second step: the last one is used).
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page
    .getByRole('dialog', { name: 'Sign out?' })
    .getByRole('button', { name: 'Sign out' })
    .click();
  await page.getByTestId('signed-out-notice').waitFor();
  await signIn(() => totp.generate({ timestamp: Date.now() + 30_000 }));

  // Turning it off needs a fresh verification: password + a recovery code.
  await page.getByRole('button', { name: 'Settings' }).click();
  await nav.getByRole('button', { name: 'Authenticator app' }).click();
  await page.getByRole('button', { name: 'Turn off the authenticator app' }).click();
  await page
    .getByRole('dialog', { name: 'Turn off the authenticator app?' })
    .getByRole('button', { name: 'Turn off' })
    .click();
  await usePasswordInstead(verifyDialog);
  await verifyDialog.getByLabel('Password').fill(PASSWORD);
  await verifyDialog.getByLabel('Authenticator code').fill(codes[0]!.trim());
  await verifyDialog.getByRole('button', { name: 'Confirm', exact: true }).click();
  await page.getByRole('button', { name: 'Set up an authenticator app' }).waitFor();
  assert.equal(await page.getByText('Off', { exact: true }).count(), 1);
});
