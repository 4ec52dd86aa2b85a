/**
 * "Confirm it's you" with a passkey, end to end with real parts: the desktop app, the real
 * server and relay (SQLite), software phones (Chromium + virtual authenticator) that read the
 * QR from the desktop's pixels.
 *
 * - On the phone: the step-up sheet offers the passkey first; a passkey is deleted with no
 *   password typed.
 * - On the desktop through the phone (QR purpose step-up): the phone says "Confirm it's you on
 *   <computer>", the desktop's session is elevated and the protected change goes on; across
 *   networks the reverse code is required (a wrong one elevates nothing).
 * - Forgotten password: signed in with the phone, the new password is set with the current one
 *   left empty and the phone's passkey as the confirmation; after a password-only
 *   confirmation the empty field is not enough (the phone is asked, not the password).
 * - Another account's phone cannot confirm for this desktop.
 * The server-side attacks (another account's assertion, replay, another session or pairing,
 * no reverse code) are played in test/server/step-up/passkey-step-up.test.ts.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { ActivityListResponse } from '../../server/protocol/api';
import { apiFrom } from '../server/phone/rig';
import { assertAxeCleanBothThemes } from '../support/axe';
import { call } from '../support/http';
import { readQr } from '../support/read-qr';
import { PASSWORD } from '../support/world';
import { worldTest } from '../support/fixtures';
import { openSettings, signInWithPassword, stepUpDialog, verify } from './support/desktop-ui';

const test = worldTest();
const NEW_PASSWORD = 'a passphrase chosen after forgetting';

/** Settings › Passkeys › Add a passkey: the protected change "Confirm it's you" guards. */
async function startAddPasskey(page: Page) {
  await openSettings(page, 'Passkeys');
  await page.getByRole('button', { name: 'Add a passkey' }).click();
}
const addPasskeyCode = (page: Page) =>
  page
    .getByRole('dialog', { name: 'Add a passkey with your phone' })
    .getByRole('img', { name: /QR code to add a passkey/ });

test('phone: the step-up sheet offers the passkey first; the last passkey is deleted with no password typed', async ({
  world,
}) => {
  const { phone } = await world.newAccount();
  // A fresh passkey session: nothing verified yet (the sign-up's own check is gone).
  await phone.signOut();
  await phone.signInWithPasskey();
  const { page } = phone;
  const [row] = await phone.passkeyRows();
  assert.ok(row);

  await page.getByRole('button', { name: `Delete ${row.name}` }).click();
  const del = page.getByTestId('delete-dialog');
  await del.getByRole('checkbox').check();
  await del.getByRole('button', { name: 'Delete passkey' }).click();
  const sheet = page.getByTestId('stepup-dialog');
  await sheet.waitFor();
  await sheet.getByRole('button', { name: 'Use your passkey' }).waitFor();
  await assertAxeCleanBothThemes(page, 'the phone step-up sheet (passkey first)');
  assert.equal(
    await sheet.getByLabel('Password', { exact: true }).count(),
    0,
    'no password field until the person asks for it',
  );
  await phone.verifyWithPasskey();
  await page.getByTestId('passkey-row').first().waitFor({ state: 'detached' });

  const events = (await apiFrom<ActivityListResponse>(page, 'GET', '/api/activity')).body.events;
  const confirmed = events.find((e) => e.type === 'stepup.succeeded');
  assert.equal(confirmed?.details.method, 'passkey');
  assert.ok(events.some((e) => e.type === 'passkey.removed'));
});

test('desktop through the phone: "Confirm it’s you on <computer>", then the protected change goes on', async ({
  world,
  launchDesktop,
}) => {
  const { email, phone } = await world.newAccount();
  const { page } = await launchDesktop();
  await signInWithPassword(page, email);
  await startAddPasskey(page);
  const dialog = await stepUpDialog(page);
  await assertAxeCleanBothThemes(page, 'the desktop step-up dialog (phone first)');
  assert.equal(
    await dialog.getByRole('button', { name: 'Can’t scan?' }).count(),
    0,
    'the step-up code is for the camera only: no Copy link',
  );
  const link = await readQr(page);

  await phone.page.goto(link);
  const review = phone.page.getByTestId('pair-review');
  await review.waitFor();
  assert.equal(await review.getAttribute('data-purpose'), 'step-up');
  assert.match(await review.getByRole('heading').innerText(), /^Confirm it's you on .+\?$/);
  assert.equal(await phone.page.getByTestId('network-warning').count(), 0, 'same network');
  await assertAxeCleanBothThemes(phone.page, 'the pair page step-up review');
  await review.getByRole('button', { name: 'Approve' }).click();
  const done = phone.page.getByTestId('pair-done');
  await done.waitFor();
  assert.match(await done.innerText(), /Confirmed on your computer/);

  await dialog.waitFor({ state: 'detached' });
  await addPasskeyCode(page).waitFor();
  const events = (await apiFrom<ActivityListResponse>(phone.page, 'GET', '/api/activity')).body
    .events;
  assert.equal(events.find((e) => e.type === 'stepup.succeeded')?.details.method, 'passkey');
});

test('across networks: the desktop asks the code the phone shows; a wrong code confirms nothing', async ({
  world,
  launchDesktop,
}) => {
  const { email, phone } = await world.newAccount();
  const { page } = await launchDesktop({ localAddress: '127.0.0.2' });
  await signInWithPassword(page, email);
  await startAddPasskey(page);
  const dialog = await stepUpDialog(page);
  const { reverseCode } = await phone.approvePairing(await readQr(page), { expectCode: true });
  assert.match(reverseCode ?? '', /^\d{6}$/);

  const field = dialog.getByLabel('Code from your phone', { exact: true });
  await field.fill(reverseCode === '000000' ? '111111' : '000000');
  await dialog.getByRole('button', { name: 'Verify code' }).click();
  await dialog.getByText(/tries? left/).waitFor();
  assert.equal(await addPasskeyCode(page).count(), 0, 'not confirmed: no protected change');

  await field.fill(reverseCode!);
  await dialog.getByRole('button', { name: 'Verify code' }).click();
  await dialog.waitFor({ state: 'detached' });
  await addPasskeyCode(page).waitFor();
  await phone.waitForPairingDone();
});

test('forgotten password: signed in with the phone, a new password with the current one left empty, confirmed by the passkey', async ({
  world,
  launchDesktop,
}) => {
  const { email, phone } = await world.newAccount();
  const { page } = await launchDesktop();
  await phone.approvePairing(await readQr(page));
  await page.getByTestId('account-email').filter({ hasText: email }).waitFor();

  await openSettings(page, 'Password');
  const section = page.getByRole('region', { name: 'Password' });
  await section.getByText(/Forgot it\? Leave it empty/).waitFor();
  await section.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await section.getByLabel('Confirm new password').fill(NEW_PASSWORD);
  await section.getByRole('button', { name: 'Change password' }).click();

  // Only the passkey will do here: no password fallback in this dialog.
  const dialog = await stepUpDialog(page);
  assert.equal(await dialog.getByRole('button', { name: 'Use password instead' }).count(), 0);
  await phone.approvePairing(await readQr(page));
  await dialog.waitFor({ state: 'detached' });
  await section.getByTestId('password-changed').waitFor();

  const signIn = (password: string) =>
    call<{ error?: { code: string } }>(world.server.url, '/api/auth/password', {
      body: { email, password, client: 'desktop' },
    });
  assert.equal((await signIn(PASSWORD)).body.error?.code, 'invalid_credentials');
  assert.equal((await signIn(NEW_PASSWORD)).status, 200);
});

test('after a password-only confirmation an empty current password is not enough: the phone is asked, cancel changes nothing', async ({
  world,
  launchDesktop,
}) => {
  const { email } = await world.newAccount();
  const { page } = await launchDesktop();
  await signInWithPassword(page, email);
  await startAddPasskey(page);
  await verify(page);
  await addPasskeyCode(page).waitFor();
  await page
    .getByRole('dialog', { name: 'Add a passkey with your phone' })
    .getByRole('button', { name: 'Cancel' })
    .click();

  await openSettings(page, 'Password');
  const section = page.getByRole('region', { name: 'Password' });
  await section.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await section.getByLabel('Confirm new password').fill(NEW_PASSWORD);
  await section.getByRole('button', { name: 'Change password' }).click();
  const dialog = await stepUpDialog(page);
  assert.equal(await dialog.getByRole('button', { name: 'Use password instead' }).count(), 0);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await section.getByTestId('password-changed').count(), 0);
  const old = await call(world.server.url, '/api/auth/password', {
    body: { email, password: PASSWORD, client: 'desktop' },
  });
  assert.equal(old.status, 200, 'the password is unchanged');
});

test("another account's phone cannot confirm for this desktop", async ({
  world,
  launchDesktop,
}) => {
  const victim = await world.newAccount();
  const stranger = await world.newAccount();
  const { page } = await launchDesktop();
  await signInWithPassword(page, victim.email);
  await startAddPasskey(page);
  const dialog = await stepUpDialog(page);
  // The stranger's authenticator holds no passkey the server allows for this account.
  await assert.rejects(stranger.phone.approvePairing(await readQr(page)), /approval failed/);
  assert.equal(await addPasskeyCode(page).count(), 0);
  assert.ok(await dialog.isVisible(), 'still asking');
});
