/**
 * Security page › "Sign out everywhere else" (server/phone/security/SessionsSection.tsx): from
 * one phone, end every other session of the account — a desktop bearer session made through
 * the API and a second phone's cookie session — and keep this one. The desktop's access and
 * refresh tokens stop working; the other phone, on its next call, is sent back to Sign in with
 * a notice that its session has ended. Each sign-out asks first (Cancel changes nothing) and
 * then says "Signed out …" (issue 9, defect 14).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'vitest';
import type { TokenResponse, MeResponse, SessionListResponse } from '../../../server/protocol/api';
import type { Page } from 'playwright-core';
import { apiFrom, startRig } from './rig';
import { describeFindings, seriousAxeFindings } from '../../support/axe';

const PASSWORD = 'correct horse battery staple';

/** axe on the screen as it is, in both themes: nothing serious or critical. */
async function axeBothThemes(page: Page, where: string) {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const findings = await seriousAxeFindings(page);
    assert.equal(findings.length, 0, `${where} (${colorScheme}):\n${describeFindings(findings)}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test('"Sign out everywhere else" ends the desktop and the other phone, keeps this phone', async (t) => {
  const rig = await startRig(t);
  const email = `others-${randomBytes(5).toString('hex')}@example.com`;
  const phone = await rig.phone();
  await phone.signUp(email, PASSWORD);

  // A desktop session through the API, as the desktop app's password fallback makes it.
  const login = await fetch(`${rig.server.url}/api/auth/password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'Keybridge-Desktop/1.0 (test)' },
    body: JSON.stringify({ email, password: PASSWORD, client: 'desktop' }),
  });
  assert.equal(login.status, 200, 'desktop signed in');
  const desktop = (await login.json()) as TokenResponse;
  const desktopMe = () =>
    fetch(`${rig.server.url}/api/me`, {
      headers: { authorization: `Bearer ${desktop.accessToken}` },
    });
  assert.equal((await desktopMe()).status, 200);
  const desktopSessions = await fetch(`${rig.server.url}/api/sessions`, {
    headers: { authorization: `Bearer ${desktop.accessToken}` },
  });
  const listed = (await desktopSessions.json()) as SessionListResponse;
  const desktopSessionId = desktop.sessionId;
  assert.equal(listed.sessions.find((s) => s.current)?.id, desktopSessionId);

  const other = await rig.phone();
  await other.signIn(email, PASSWORD);
  const otherRows = other.page.getByTestId('session-row');
  await otherRows.nth(2).waitFor();

  // This phone sees all three sessions, itself marked.
  await phone.open('/m/security');
  const rows = phone.page.getByTestId('session-row');
  await rows.nth(2).waitFor();
  assert.equal(await rows.count(), 3);
  const mine = rows.filter({ hasText: 'This phone' });
  assert.equal(await mine.count(), 1);
  const mineId = await mine.getAttribute('data-session-id');
  await rows.filter({ hasText: 'Desktop app' }).waitFor();

  // Cancel first: the dialog asks, and nothing is signed out.
  const everywhere = phone.page.getByRole('button', { name: 'Sign out everywhere else' });
  const dialog = phone.page.getByTestId('signout-dialog');
  await everywhere.click();
  await phone.page.getByRole('dialog', { name: 'Sign out 2 other sessions?' }).waitFor();
  assert.match(
    (await dialog.textContent()) ?? '',
    /Every device except this phone will need to sign in again\./,
  );
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await rows.count(), 3, 'cancel signed nobody out');
  assert.equal((await desktopMe()).status, 200, 'the desktop is still in');

  await everywhere.click();
  await dialog.getByRole('button', { name: 'Sign out' }).click();
  await rows.nth(1).waitFor({ state: 'detached' });
  assert.equal(
    (await phone.page.getByTestId('session-signed-out').textContent())?.trim(),
    'Signed out 2 other sessions.',
  );
  assert.equal(await rows.count(), 1, 'only this session is listed');
  assert.equal(await rows.first().getAttribute('data-session-id'), mineId);
  await rows.first().getByText('This phone').waitFor();
  assert.equal(await everywhere.count(), 0, 'nothing else to sign out');

  // On the server: this phone is still in, the desktop's tokens are dead.
  const me = await apiFrom<MeResponse>(phone.page, 'GET', '/api/me');
  assert.equal(me.status, 200, 'this phone keeps its session');
  assert.equal((await desktopMe()).status, 401, 'desktop access token refused');
  const refreshed = await fetch(`${rig.server.url}/api/auth/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken: desktop.refreshToken }),
  });
  assert.equal(refreshed.status, 401, 'desktop refresh token refused');
  const list = await apiFrom<SessionListResponse>(phone.page, 'GET', '/api/sessions');
  assert.deepEqual(
    list.body.sessions.map((s) => s.id),
    [mineId],
  );
  assert.equal(
    list.body.sessions.some((s) => s.id === desktopSessionId),
    false,
    'the desktop session is gone from the list',
  );

  // The other phone still shows its old page; its next call (ending the desktop session it
  // still lists) is answered 401 and the app returns to Sign in with a notice.
  await other.page
    .locator(`[data-testid="session-row"][data-session-id="${desktopSessionId}"]`)
    .getByRole('button', { name: /^Sign out / })
    .click();
  await other.page.getByRole('dialog', { name: /^Sign out .+\?$/ }).waitFor();
  await other.holdAutofill(() =>
    other.page.getByTestId('signout-dialog').getByRole('button', { name: 'Sign out' }).click(),
  );
  await other.page.getByText('Your session has ended. Please sign in again.').waitFor();
  assert.match(other.page.url(), /\/m\/signin$/);
  const otherMe = await apiFrom(other.page, 'GET', '/api/me');
  assert.equal(otherMe.status, 401, 'the other phone is signed out on the server');

  // Its failed attempt changed nothing for this phone.
  assert.equal((await apiFrom(phone.page, 'GET', '/api/me')).status, 200);
});

test('ending one other session asks first, then says "Signed out <device>"', async (t) => {
  const rig = await startRig(t);
  const email = `one-${randomBytes(5).toString('hex')}@example.com`;
  const phone = await rig.phone();
  await phone.signUp(email, PASSWORD);
  const other = await rig.phone();
  await other.signIn(email, PASSWORD);
  const otherId = (await apiFrom<MeResponse>(other.page, 'GET', '/api/me')).body.session.id;

  await phone.open('/m/security');
  const row = phone.page.locator(`[data-testid="session-row"][data-session-id="${otherId}"]`);
  await row.waitFor();
  const device = ((await row.locator('.row-title').textContent()) ?? '').trim();
  await row.getByRole('button', { name: `Sign out ${device}` }).click();
  const dialog = phone.page.getByRole('dialog', { name: `Sign out ${device}?` });
  await dialog.waitFor();
  assert.match(
    (await dialog.textContent()) ?? '',
    /That device will need to sign in again to use your exchange account\./,
  );
  await axeBothThemes(phone.page, 'sign-out confirmation');
  await phone.page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal((await apiFrom(other.page, 'GET', '/api/me')).status, 200, 'Escape changed nothing');

  await row.getByRole('button', { name: `Sign out ${device}` }).click();
  await dialog.getByRole('button', { name: 'Sign out' }).click();
  await row.waitFor({ state: 'detached' });
  assert.equal(
    (await phone.page.getByTestId('session-signed-out').textContent())?.trim(),
    `Signed out ${device}.`,
  );
  await axeBothThemes(phone.page, '"Signed out" notice');
  assert.equal((await apiFrom(other.page, 'GET', '/api/me')).status, 401, 'signed out for real');
});
