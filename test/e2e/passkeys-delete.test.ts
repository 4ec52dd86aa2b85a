/**
 * Settings › Passkeys: deleting a passkey that is NOT the account's last one. The security
 * verification is still asked, but there is no last-passkey warning and no second
 * confirmation; the row goes, the server keeps the other passkey, and the account's activity
 * records the deletion (passkey.removed) with the deleted passkey's name.
 */
import assert from 'node:assert/strict';
import type { ActivityListResponse, PasskeyListResponse } from '../../server/protocol/api';
import { apiFrom } from '../server/phone/rig';
import { PASSWORD } from '../support/world';
import { worldTest } from '../support/fixtures';
import { usePasswordInstead } from './support/desktop-ui';

const test = worldTest();

test('deleting one of two passkeys asks for verification but gives no last-passkey warning', async ({
  world,
  launchDesktop,
  newPhone,
}) => {
  const { email, phone } = await world.newAccount();
  const [kept] = await phone.passkeyRows();
  assert.ok(kept, 'the phone holds the first passkey');

  // The second passkey lives on another device (its own authenticator), named apart.
  const tablet = await newPhone();
  await tablet.signIn(email, PASSWORD);
  const second = await tablet.enrolPasskey(PASSWORD);
  const renamed = await apiFrom(tablet.page, 'PATCH', `/api/passkeys/${second.id}`, {
    name: 'Old tablet',
  });
  assert.equal(renamed.status, 200, 'second passkey renamed');

  const { page } = await launchDesktop();
  await page.getByRole('button', { name: 'Sign in with password instead' }).click();
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('account-email').filter({ hasText: email }).waitFor();
  await page.getByRole('button', { name: 'Settings' }).click();
  const nav = page.getByRole('navigation', { name: 'Settings sections' });
  await nav.getByRole('button', { name: 'Passkeys' }).click();

  const rows = page.getByTestId('passkey-row');
  await rows.filter({ hasText: 'Old tablet' }).waitFor();
  await rows.filter({ hasText: kept.name }).waitFor();
  assert.equal(await rows.count(), 2);

  await page.getByRole('button', { name: 'Delete Old tablet' }).click();
  const dialog = page.getByRole('dialog', { name: /Delete “Old tablet”/ });
  await dialog.waitFor();
  assert.equal(
    await dialog.getByText('This is your last passkey.').count(),
    0,
    'no last-passkey warning when another passkey remains',
  );
  assert.equal(await dialog.getByRole('checkbox').count(), 0, 'no second confirmation asked');
  const confirm = dialog.getByRole('button', { name: 'Delete passkey' });
  assert.equal(await confirm.isEnabled(), true, 'one click is enough for a non-last passkey');
  await confirm.click();

  // The security verification is asked, and nothing is deleted before it is answered.
  const verification = page.getByRole('dialog', { name: 'Confirm it’s you' });
  await verification.waitFor();
  const before = await apiFrom<PasskeyListResponse>(phone.page, 'GET', '/api/passkeys');
  assert.equal(before.body.passkeys.length, 2, 'still two passkeys while verification is open');
  await usePasswordInstead(verification);
  await verification.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await verification.getByRole('button', { name: 'Confirm', exact: true }).click();
  await verification.waitFor({ state: 'detached' });

  await page.getByText('Deleted “Old tablet”').waitFor();
  await rows.filter({ hasText: 'Old tablet' }).waitFor({ state: 'detached' });
  assert.equal(await rows.count(), 1);
  await rows.filter({ hasText: kept.name }).waitFor();
  assert.equal(await page.getByText('No passkeys yet').count(), 0);

  // The server agrees: one passkey left, the phone's.
  const list = await apiFrom<PasskeyListResponse>(phone.page, 'GET', '/api/passkeys');
  assert.equal(list.status, 200);
  assert.deepEqual(
    list.body.passkeys.map((p) => p.id),
    [kept.id],
  );

  // Activity records it, on the server and in the desktop's Activity section.
  const activity = await apiFrom<ActivityListResponse>(phone.page, 'GET', '/api/activity');
  const removed = activity.body.events.filter((e) => e.type === 'passkey.removed');
  assert.equal(removed.length, 1, 'one passkey.removed event');
  assert.equal(removed[0]!.details.passkeyName, 'Old tablet');
  assert.equal(removed[0]!.details.passkeyId, second.id);
  await nav.getByRole('button', { name: 'Activity' }).click();
  await page
    .getByRole('list', { name: 'Security events' })
    .getByRole('listitem')
    .filter({ hasText: 'Passkey deleted' })
    .filter({ hasText: 'Old tablet' })
    .waitFor();
});
