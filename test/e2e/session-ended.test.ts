/**
 * Signed out from another device, end to end: the desktop app (launchDesktop) is signed in;
 * the phone (test/support/phone.ts) ends the desktop's session from its Security page. Without
 * any click on the desktop, the app goes to the sign-in screen with the notice "This computer
 * was signed out from another device", and its keychain entry is gone. In light and dark.
 *
 * KEYBRIDGE_SCREENSHOT_DIR=<dir> also saves the screen with the notice there
 * (session-ended-light.png, session-ended-dark.png; docs/screenshots/ keeps a copy).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import type { World } from '../support/world';
import { worldTest, type LaunchDesktop } from '../support/fixtures';
import { signInWithPassword } from './support/desktop-ui';

const test = worldTest();

async function endedFromPhone(
  world: World,
  launchDesktop: LaunchDesktop,
  colorScheme: 'light' | 'dark',
) {
  const { email, phone } = await world.newAccount();
  const { vault, service } = world.newVault();
  const desktop = await launchDesktop({ vault, vaultService: service, colorScheme });
  const { page } = desktop;
  await signInWithPassword(page, email);
  const account = await vault.getCurrentAccount();
  assert.ok(account, 'signed in: the keychain knows the account');
  assert.ok(await vault.getRefreshToken(account), 'and holds its refresh token');

  // The phone ends the desktop's session from its own list.
  await phone.open('/m/security');
  const desktopRow = phone.page.getByTestId('session-row').filter({ hasText: 'Desktop app' });
  await desktopRow.waitFor();
  await desktopRow.getByRole('button', { name: /^Sign out / }).click();
  await phone.page.getByTestId('signout-dialog').getByRole('button', { name: 'Sign out' }).click();
  await desktopRow.waitFor({ state: 'detached' });

  // Nobody touches the desktop: the push alone brings the notice and the sign-in screen.
  const notice = page.getByTestId('signed-out-elsewhere');
  await notice.waitFor();
  assert.match(
    (await notice.textContent()) ?? '',
    /This computer was signed out from another device/,
  );
  await page.getByRole('button', { name: 'Sign in with password instead' }).waitFor();
  assert.equal(await page.getByTestId('signed-in-as').count(), 0);
  assert.equal(await vault.getRefreshToken(account), null, 'keychain entry gone');
  assert.equal(await vault.getCurrentAccount(), null);

  const dir = process.env.KEYBRIDGE_SCREENSHOT_DIR;
  // The QR is masked: a picture kept in the repo should not carry even a dead pairing link.
  if (dir) {
    await page.screenshot({
      path: path.join(dir, `session-ended-${colorScheme}.png`),
      mask: [page.locator('img[src^="data:image"]')],
      maskColor: colorScheme === 'dark' ? '#374151' : '#d1d5db',
    });
  }

  // The honest user signs in again as before.
  await signInWithPassword(page, email);
  assert.equal(await notice.count(), 0, 'the notice is gone once signed in again');
}

test('the phone ends the desktop session: the app shows the notice without a click', async ({
  world,
  launchDesktop,
}) => {
  await endedFromPhone(world, launchDesktop, 'light');
});

test('the same in dark mode', async ({ world, launchDesktop }) => {
  await endedFromPhone(world, launchDesktop, 'dark');
});
