/**
 * Settings › Password against the real server, in the desktop UI: the form refuses a
 * confirmation that differs and a wrong current password with its own words, then changes the
 * password after "Confirm it's you"; the phone's web session is signed out, the old password
 * no longer signs in and the new one does.
 */
import assert from 'node:assert/strict';
import { PASSWORD } from '../support/world';
import { worldTest } from '../support/fixtures';
import { openSettings, signInWithPassword, verify } from './support/desktop-ui';

const test = worldTest();
const NEW_PASSWORD = 'a new passphrase for the exchange';

test('change the password in Settings: others signed out, new password signs in', async ({
  world,
  launchDesktop,
}) => {
  const { email, phone } = await world.newAccount();
  const { page } = await launchDesktop();
  await signInWithPassword(page, email);
  await openSettings(page, 'Password');
  const section = page.getByRole('region', { name: 'Password' });
  const fill = async (current: string, next: string, confirm: string) => {
    await section.getByLabel('Current password').fill(current);
    await section.getByLabel('New password', { exact: true }).fill(next);
    await section.getByLabel('Confirm new password').fill(confirm);
    await section.getByRole('button', { name: 'Change password' }).click();
  };

  await fill(PASSWORD, NEW_PASSWORD, `${NEW_PASSWORD}!`);
  await section.getByText('The new password and its confirmation are not the same.').waitFor();

  await fill('not my password at all', NEW_PASSWORD, NEW_PASSWORD);
  await verify(page);
  await section.getByText('Your current password is not right.').waitFor();

  // Verified a moment ago: the change goes through without asking again.
  await fill(PASSWORD, NEW_PASSWORD, NEW_PASSWORD);
  const notice = section.getByTestId('password-changed');
  await notice.waitFor();
  assert.equal(await notice.innerText(), 'Password changed. 1 other session was signed out.');

  // The phone's web session is over on the server; this computer is still signed in.
  const phoneMe = () =>
    phone.page.evaluate(
      async () => (await fetch('/api/me', { credentials: 'same-origin' })).status,
    );
  assert.equal(await phoneMe(), 401);
  await openSettings(page, 'Sessions');
  const rows = page.getByTestId('session-row');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1);
  assert.equal(await rows.filter({ hasText: 'This computer' }).count(), 1);

  // A second computer: the old password is refused, the new one signs in.
  const other = await launchDesktop();
  await other.page.getByRole('button', { name: 'Sign in with password instead' }).click();
  await other.page.getByLabel('Email', { exact: true }).fill(email);
  await other.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await other.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await other.page.getByText('That email and password do not match an account.').waitFor();
  await other.page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
  await other.page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await other.page.getByTestId('account-email').filter({ hasText: email }).waitFor();
});
