/**
 * The main job, end to end with real parts: the desktop shows a QR, a software phone (Chromium
 * + virtual authenticator) reads it from a screenshot and approves with its passkey, the server
 * verifies, the desktop is signed in and keeps its refresh token in the real keychain.
 * Then: restart signs in from the keychain without a QR; sign out clears the keychain.
 */
import assert from 'node:assert/strict';
import { fromBase64Url } from '../../server/protocol/channel';
import { parseQrLink } from '../../server/protocol/qr-link';
import { readQr } from '../support/read-qr';
import { worldTest } from '../support/fixtures';

const test = worldTest();

test('QR sign-in, restart signs in from the keychain, sign out clears it', async ({
  world,
  launchDesktop,
}) => {
  const { email, phone } = await world.newAccount();
  const { vault, service } = world.newVault();

  const first = await launchDesktop({ vault, vaultService: service });
  const { page } = first;

  // Status follows the flow: waiting first.
  await page.getByText('Waiting for your phone to scan the code').waitFor();
  await page.getByTestId('qr-countdown').waitFor();
  const link = await readQr(page);
  assert.match(
    link,
    // v2: scheme and host in capitals (QR alphanumeric mode), the path the server serves.
    /^HTTP:\/\/EXCHANGE\.LOCALHOST:\d+\/m\/pair#2\d{157}$/,
    'the QR points the phone at the RP origin',
  );
  assert.equal(
    fromBase64Url((await parseQrLink(link)).secret).length,
    32,
    'the QR carries the 32-byte secret in the fragment',
  );

  await phone.approvePairing(link);
  await page.getByTestId('account-email').filter({ hasText: email }).waitFor();
  await page.getByRole('heading', { name: 'Security checklist' }).waitFor();
  await page.getByText('your phone (QR code)').waitFor(); // how this session signed in

  const account = await vault.getCurrentAccount();
  assert.ok(account, 'the keychain remembers who is signed in');
  assert.equal(account.email ?? email, email);
  assert.ok(await vault.getRefreshToken(account), 'the refresh token is in the keychain');
  await first.close();

  // Restart with the same keychain: signed in without any QR.
  const second = await launchDesktop({ vault, vaultService: service });
  await second.page.getByTestId('account-email').filter({ hasText: email }).waitFor();
  assert.equal(await second.page.getByTestId('login-qr').count(), 0, 'no QR was shown');

  // Sign out: back to the QR, keychain entry gone, the old token refused by the server.
  const token = await vault.getRefreshToken(account);
  await second.page.getByRole('button', { name: 'Sign out' }).click();
  // Asked first, then said: "Signed out".
  await second.page
    .getByRole('dialog', { name: 'Sign out?' })
    .getByRole('button', { name: 'Sign out' })
    .click();
  await second.page.getByTestId('signed-out-notice').waitFor();
  await second.page.getByTestId('login-qr').waitFor();
  assert.equal(await vault.getRefreshToken(account), null, 'sign out deleted the refresh token');
  assert.equal(await vault.getCurrentAccount(), null);
  const refused = await fetch(`${world.server.url}/api/auth/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken: token }),
  });
  assert.equal(refused.status, 401, 'the signed-out session cannot be refreshed');
  await second.close();

  // And a third launch shows the QR again.
  const third = await launchDesktop({ vault, vaultService: service });
  await readQr(third.page);
});

test('the phone denies: the desktop says so in plain words and offers a new code', async ({
  world,
  launchDesktop,
}) => {
  const { phone } = await world.newAccount();
  const desktop = await launchDesktop();
  const link = await readQr(desktop.page);
  // The phone opens the link: the desktop follows ("Scanned — confirm on your phone").
  await phone.page.goto('about:blank');
  await phone.page.goto(link);
  await desktop.page.getByText('Scanned — confirm on your phone').waitFor();
  // The phone is named by its browser, next to a phone icon; its address and raw user agent
  // never reach the window.
  const device = desktop.page.getByTestId('qr-phone-device');
  assert.equal((await device.innerText()).trim(), 'Chrome on Android');
  assert.equal(await device.locator('svg[aria-hidden="true"]').count(), 1, 'a phone icon');
  assert.doesNotMatch(
    await desktop.page.locator('body').innerText(),
    /127\.0\.0\.1|Mozilla|Pixel 8/,
  );
  await phone.page.getByRole('button', { name: 'Deny' }).click();
  await desktop.page.getByText('You declined on your phone').waitFor();
  await desktop.page.getByRole('button', { name: /Try again|Start again/ }).click();
  const next = await readQr(desktop.page, { notEqual: link });
  assert.notEqual(next, link, 'a fresh QR after retry');
});

test('Cancel stops the code; a new one can be shown', async ({ launchDesktop }) => {
  const desktop = await launchDesktop();
  const { page } = desktop;
  const link = await readQr(page);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByText('Stopped. No one can use the old code.').waitFor();
  assert.equal(await page.getByTestId('login-qr').locator('img').count(), 0, 'the QR is gone');
  await page.getByRole('button', { name: 'Show a new code' }).click();
  assert.notEqual(await readQr(page, { notEqual: link }), link);
});
