/**
 * The Settings pane against the real server: password sign-in (the fallback), rename and
 * delete passkeys (security verification, last-passkey warning and second confirmation),
 * add a passkey with the phone via QR after verification, revoke another session.
 */
import assert from 'node:assert/strict';
import { readQr } from '../support/read-qr';
import { PASSWORD } from '../support/world';
import { worldTest } from '../support/fixtures';
import { openSettings, signInWithPassword, verify } from './support/desktop-ui';

const test = worldTest();

test('rename and delete passkeys; the last one needs an explicit second confirmation', async ({
  world,
  launchDesktop,
}) => {
  const { email, phone } = await world.newAccount();
  const desktop = await launchDesktop();
  const { page } = desktop;
  await signInWithPassword(page, email);
  await openSettings(page, 'Passkeys');

  const rows = page.getByTestId('passkey-row');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1);
  const original = (await phone.passkeyRows())[0]!.name;
  await page.getByRole('button', { name: `Rename ${original}` }).click();
  await page.getByLabel('Passkey name').fill('Work phone');
  await page.getByRole('button', { name: 'Save name' }).click();
  await rows.filter({ hasText: 'Work phone' }).waitFor();
  // The server has the new name: the phone's own list shows it too.
  await phone.open('/m/security');
  await phone.page.getByText('Work phone').first().waitFor();

  // Delete the last passkey: warning, delete disabled until the second confirmation.
  await page.getByRole('button', { name: 'Delete Work phone' }).click();
  const dialog = page.getByRole('dialog', { name: /Delete “Work phone”/ });
  await dialog.getByText('This is your last passkey.').waitFor();
  const confirm = dialog.getByRole('button', { name: 'Delete passkey' });
  assert.equal(await confirm.isDisabled(), true, 'cannot delete the last passkey by one click');
  await dialog.getByLabel('I understand, delete my last passkey').check();
  await confirm.click();
  await verify(page);
  await page.getByText('Deleted “Work phone”').waitFor();
  await page.getByText('No passkeys yet').waitFor();
  assert.equal(await rows.count(), 0);
});

test('add a passkey with the phone via QR after a security verification', async ({
  world,
  launchDesktop,
  newPhone,
}) => {
  const { email } = await world.newAccount();
  const desktop = await launchDesktop();
  const { page } = desktop;
  await signInWithPassword(page, email);
  await openSettings(page, 'Passkeys');
  await page.getByTestId('passkey-row').first().waitFor();

  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await verify(page);
  const dialog = page.getByRole('dialog', { name: 'Add a passkey with your phone' });
  await dialog.waitFor();
  const link = await readQr(page);
  // A second device (its own authenticator): the first phone already holds this account's
  // passkey, so the server's excludeCredentials makes it refuse a duplicate, as a real one does.
  const tablet = await newPhone();
  // The phone must be signed in to this account, and the desktop asks whether it is yours
  // before the phone is asked anything (test/e2e/add-passkey.test.ts has the details).
  await tablet.signIn(email, PASSWORD);
  const approving = tablet.approvePairing(link);
  await dialog.getByRole('button', { name: 'Yes, add the passkey' }).click();
  await approving;
  await page.getByText('Passkey added.').waitFor();
  await page.getByTestId('passkey-row').nth(1).waitFor();
  assert.equal(await page.getByTestId('passkey-row').count(), 2);
});

test('revoke another session from the Sessions list', async ({ world, launchDesktop }) => {
  const { email, phone } = await world.newAccount();
  const desktop = await launchDesktop();
  const { page } = desktop;
  await signInWithPassword(page, email);
  await openSettings(page, 'Sessions');

  const rows = page.getByTestId('session-row');
  await rows.nth(1).waitFor(); // the phone's web session and this one
  assert.equal(await rows.count(), 2);
  const current = rows.filter({ hasText: 'This computer' });
  assert.equal(await current.count(), 1, 'this session is marked');
  // Asked from the phone's page (its cookie, its origin): is the phone still signed in?
  const phoneMe = () =>
    phone.page.evaluate(
      async () => (await fetch('/api/me', { credentials: 'same-origin' })).status,
    );
  assert.equal(await phoneMe(), 200);

  const other = rows.filter({ hasNotText: 'This computer' });
  // The phone by its readable name, with a phone icon; never its raw user agent.
  assert.equal((await other.getByTestId('session-device').innerText()).trim(), 'Chrome on Android');
  assert.equal(await other.locator('.device-icon svg').count(), 1);
  assert.doesNotMatch(await other.innerText(), /Mozilla/);
  await other.getByRole('button', { name: /^Sign out Chrome on Android/ }).click();
  // Asked first: Cancel keeps the session.
  const ask = page.getByRole('dialog', { name: 'Sign out Chrome on Android?' });
  await ask.getByRole('button', { name: 'Cancel' }).click();
  await ask.waitFor({ state: 'detached' });
  assert.equal(await phoneMe(), 200, 'nothing happened before the confirmation');
  await other.getByRole('button', { name: /^Sign out Chrome on Android/ }).click();
  await ask.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText('Signed out Chrome on Android.').waitFor();
  await rows.nth(1).waitFor({ state: 'detached' }); // the list reloads after the notice
  assert.equal(await rows.count(), 1);
  assert.equal(await phoneMe(), 401, 'the phone session is over on the server');

  // The account's activity records it.
  await page
    .getByRole('navigation', { name: 'Settings sections' })
    .getByRole('button', { name: 'Activity' })
    .click();
  await page
    .getByRole('list', { name: 'Security events' })
    .getByText('Session signed out remotely')
    .first()
    .waitFor();
});
