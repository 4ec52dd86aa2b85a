/**
 * Security › Password on the phone (server/phone/security/PasswordSection.tsx) against the real
 * server: "Confirm it's you" first, then current + new password; every other session of the
 * account (a second phone, a desktop) is signed out and the notice says how many. A mismatch
 * and a wrong current password are refused in plain words and change nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'vitest';
import type { ActivityListResponse, TokenResponse } from '../../../server/protocol/api';
import { apiFrom, startRig } from './rig';
import { describeFindings, seriousAxeFindings } from '../../support/axe';

const OLD = 'correct horse battery staple';
const NEW = 'a brand new long passphrase';

test('change password from the phone: verified, other sessions signed out and counted', async (t) => {
  const rig = await startRig(t);
  const email = `pw-${randomBytes(5).toString('hex')}@example.com`;
  const phone = await rig.phone();
  await phone.signUp(email, OLD);
  const other = await rig.phone();
  await other.signIn(email, OLD);
  const desktop = await fetch(`${rig.server.url}/api/auth/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'Keybridge-Desktop/1.0 (test)' },
    body: JSON.stringify({ email, password: OLD, client: 'desktop' }),
  });
  assert.equal(desktop.status, 200);
  const { accessToken } = (await desktop.json()) as TokenResponse;
  const desktopMe = () =>
    fetch(`${rig.server.url}/api/me`, { headers: { authorization: `Bearer ${accessToken}` } });

  // The sign-up's own verification runs out: the change must ask "Confirm it's you".
  rig.clock.advance(10 * 60_000);
  await phone.open('/m/security');
  const page = phone.page;
  const section = page.getByTestId('password-section');
  await section.waitFor();
  const current = section.getByLabel('Current password', { exact: true });
  const fresh = section.getByLabel('New password', { exact: true });
  const confirm = section.getByLabel('Confirm new password', { exact: true });
  const submit = section.getByRole('button', { name: 'Change password' });
  const error = section.getByTestId('error');

  // A typo in the confirmation: said at once, nothing sent.
  await current.fill(OLD);
  await fresh.fill(NEW);
  await confirm.fill(`${NEW}!`);
  await submit.click();
  await error.getByText('The new password and its confirmation are not the same.').waitFor();

  // A wrong current password, after the verification: refused, typed again from scratch.
  await current.fill('not my password at all');
  await confirm.fill(NEW);
  await submit.click();
  await phone.verify(OLD);
  await error.getByText('Your current password is not right.').waitFor();
  assert.equal(await current.inputValue(), '');
  assert.equal((await apiFrom(other.page, 'GET', '/api/me')).status, 200, 'nothing changed');

  // The real change: one notice, with the count.
  await current.fill(OLD);
  await submit.click();
  const notice = section.getByTestId('password-changed');
  await notice.waitFor();
  assert.equal(
    (await notice.textContent())?.trim(),
    'Password changed. 2 other sessions were signed out.',
  );
  assert.equal(await error.count(), 0, 'the old error is gone');
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const findings = await seriousAxeFindings(page);
    assert.equal(
      findings.length,
      0,
      `password changed (${colorScheme}):\n${describeFindings(findings)}`,
    );
  }
  assert.equal(await fresh.inputValue(), '', 'the form is cleared');

  // On the server: this phone stays, the others are out, only the new password works.
  assert.equal((await apiFrom(page, 'GET', '/api/me')).status, 200, 'this phone stays in');
  assert.equal((await apiFrom(other.page, 'GET', '/api/me')).status, 401, 'other phone out');
  assert.equal((await desktopMe()).status, 401, 'desktop out');
  const signIn = (password: string) =>
    fetch(`${rig.server.url}/api/auth/password`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, client: 'desktop' }),
    });
  assert.equal((await signIn(OLD)).status, 401, 'the old password is refused');
  assert.equal((await signIn(NEW)).status, 200, 'the new one signs in');
  const activity = await apiFrom<ActivityListResponse>(page, 'GET', '/api/activity');
  assert.ok(activity.body.events.some((e) => e.type === 'password.changed'));
  await page.getByTestId('session-row').nth(1).waitFor({ state: 'detached' });
  assert.deepEqual(phone.cspViolations, []);
});
