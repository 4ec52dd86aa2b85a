/**
 * The whole phone journey in real Chromium with virtual authenticators against the real
 * server: sign up, authenticator app, passkey after verification, passkey sign-in, rename,
 * delete refused without verification, delete after it (last-passkey confirmation), a second
 * phone's passkey, and the Signal API telling each phone's provider what the server accepts.
 * Each step checks what the screen shows and what the API / database hold.
 */
import { test } from 'vitest';
import assert from 'node:assert/strict';
import * as OTPAuth from 'otpauth';
import type {
  ActivityListResponse,
  MeResponse,
  PasskeyListResponse,
} from '../../../server/protocol/api';
import { toBase64Url } from '../../support/chromium';
import { apiFrom, nextTotp, readQrOnPage, startRig } from './rig';

const EMAIL = 'journey@example.com';
const PASSWORD = 'a long journey password';

test('phone journey: sign up -> TOTP -> passkey -> passkey sign-in -> rename -> delete', async (t) => {
  const rig = await startRig(t);
  const { clock, server } = rig;
  const phoneA = await rig.phone();
  const pageA = phoneA.page;

  // --- sign up
  await phoneA.signUp(EMAIL, PASSWORD);
  await assert.doesNotReject(pageA.getByTestId('account-email').getByText(EMAIL).waitFor());
  const me0 = await apiFrom<MeResponse>(pageA, 'GET', '/api/me');
  assert.equal(me0.status, 200);
  assert.equal(me0.body.user.email, EMAIL);
  assert.equal(me0.body.passkeyCount, 0);
  const userId = me0.body.user.id;
  assert.ok(await server.context.accounts.byId(userId), 'account row exists');

  // --- authenticator app: read the QR from its pixels, compute codes from its secret
  await pageA.getByRole('button', { name: 'Set up authenticator app' }).click();
  await pageA.getByTestId('qr').waitFor();
  const otpauth = OTPAuth.URI.parse(await readQrOnPage(pageA));
  assert.ok(otpauth instanceof OTPAuth.TOTP, 'QR carries an otpauth://totp URI');
  assert.match(otpauth.label, /journey@example\.com/);
  const secret = otpauth.secret.base32;
  const shown = (await pageA.getByTestId('totp-secret').textContent())!.replace(/\s+/g, '');
  assert.equal(shown, secret, 'the key under the QR is the secret in the QR');
  await pageA.getByLabel('Code from your authenticator app').fill(nextTotp(clock, secret));
  await pageA.getByRole('button', { name: 'Verify' }).click();
  await pageA.getByTestId('recovery-code').first().waitFor();
  const codes = await pageA.getByTestId('recovery-code').allTextContents();
  assert.equal(codes.length, 10, 'ten recovery codes shown once');
  await pageA.getByRole('button', { name: 'I saved these codes' }).click();
  await pageA.getByTestId('totp-on').waitFor();
  assert.equal(await pageA.getByTestId('recovery-code').count(), 0, 'codes gone from screen');
  assert.equal((await apiFrom<MeResponse>(pageA, 'GET', '/api/me')).body.totpEnabled, true);

  // --- a new password + TOTP session is not verified: creating a passkey asks first
  await phoneA.signOut();
  await phoneA.signIn(EMAIL, PASSWORD, nextTotp(clock, secret));
  const meBefore = await apiFrom<MeResponse>(pageA, 'GET', '/api/me');
  assert.equal(meBefore.body.session.method, 'password');
  assert.equal(meBefore.body.elevatedUntil, null);
  await pageA.getByRole('button', { name: 'Create a passkey' }).click();
  const stepUp = pageA.getByTestId('stepup-dialog');
  await stepUp.waitFor();
  assert.equal(
    await pageA.getByTestId('passkey-row').count(),
    0,
    'nothing created before verifying',
  );
  await phoneA.verify(PASSWORD, nextTotp(clock, secret));
  await pageA.getByTestId('passkey-created').waitFor();
  const rowsA = await phoneA.passkeyRows();
  assert.equal(rowsA.length, 1);
  const passkeyA = rowsA[0]!;
  assert.equal(passkeyA.name, 'Chrome on Android', 'named from the phone browser (unknown AAGUID)');

  const credsA = await phoneA.authenticator.getCredentials();
  assert.equal(credsA.length, 1, 'the passkey lives on phone A');
  const dbA = await server.context.passkeys.byIdForUser(passkeyA.id, userId);
  assert.ok(dbA, 'passkey row stored');
  assert.equal(dbA.credential_id, toBase64Url(credsA[0]!.credentialId));
  assert.equal(dbA.name, 'Chrome on Android');
  const rowA = pageA.locator(`[data-passkey-id="${passkeyA.id}"]`);
  assert.equal(await rowA.getByTestId('passkey-kind').textContent(), 'This device only');
  assert.equal(await rowA.getByTestId('passkey-last-used').textContent(), 'never');

  // --- sign out, sign in with the passkey (button)
  await phoneA.signOut();
  assert.equal((await apiFrom(pageA, 'GET', '/api/me')).status, 401);
  await phoneA.signInWithPasskey();
  const mePk = await apiFrom<MeResponse>(pageA, 'GET', '/api/me');
  assert.equal(mePk.body.session.method, 'passkey');
  assert.equal(mePk.body.session.passkeyId, passkeyA.id);
  assert.equal(mePk.body.elevatedUntil, null, 'a passkey sign-in is not a verification');
  await rowA.getByTestId('passkey-this-session').waitFor();
  assert.notEqual(await rowA.getByTestId('passkey-last-used').textContent(), 'never');
  const activity = await apiFrom<ActivityListResponse>(pageA, 'GET', '/api/activity');
  const signin = activity.body.events.find(
    (e) => e.type === 'signin.succeeded' && e.details.passkeyId === passkeyA.id,
  );
  assert.ok(signin, 'activity names the passkey used to sign in');

  // --- rename
  await pageA.getByRole('button', { name: 'Rename Chrome on Android' }).click();
  await pageA.getByLabel('Passkey name').fill('My Pixel');
  await pageA.getByRole('button', { name: 'Save' }).click();
  await rowA.getByTestId('passkey-name').getByText('My Pixel', { exact: true }).waitFor();
  assert.equal((await server.context.passkeys.byIdForUser(passkeyA.id, userId))!.name, 'My Pixel');

  // --- sign out, then sign in from the email field's passkey suggestion (conditional UI)
  await phoneA.signOut();
  await phoneA.signInWithAutofill();
  const meAuto = await apiFrom<MeResponse>(pageA, 'GET', '/api/me');
  assert.equal(meAuto.body.session.method, 'passkey');
  assert.equal(meAuto.body.session.passkeyId, passkeyA.id);

  // --- a second phone (own context, own virtual authenticator, a synced provider) adds its own
  const phoneB = await rig.phone({
    authenticator: { defaultBackupEligibility: true, defaultBackupState: true },
  });
  await phoneB.signIn(EMAIL, PASSWORD, nextTotp(clock, secret));
  const passkeyB = await phoneB.enrolPasskey(PASSWORD, nextTotp(clock, secret));
  assert.notEqual(passkeyB.id, passkeyA.id);
  assert.equal((await phoneB.authenticator.getCredentials()).length, 1);
  const list2 = await apiFrom<PasskeyListResponse>(pageA, 'GET', '/api/passkeys');
  assert.deepEqual(list2.body.passkeys.map((p) => p.id).sort(), [passkeyA.id, passkeyB.id].sort());
  assert.equal(await server.context.passkeys.countForUser(userId), 2);
  const dbB = (await server.context.passkeys.byIdForUser(passkeyB.id, userId))!;
  assert.equal(dbB.backup_eligible, 1);
  assert.equal(dbB.backed_up, 1);
  await phoneB.page
    .locator(`[data-passkey-id="${passkeyB.id}"]`)
    .getByTestId('passkey-kind')
    .getByText('Synced', { exact: true })
    .waitFor();

  // --- delete refused without a fresh verification (phone A signed in by passkey)
  const refused = await apiFrom<{ error: { code: string } }>(
    pageA,
    'DELETE',
    `/api/passkeys/${passkeyB.id}`,
  );
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, 'step_up_required');
  assert.equal(await server.context.passkeys.countForUser(userId), 2, 'nothing deleted');

  await pageA.reload();
  await pageA.getByTestId('passkey-row').nth(1).waitFor();
  await pageA.getByRole('button', { name: `Delete ${passkeyB.name}` }).click();
  const del = pageA.getByTestId('delete-dialog');
  await del.waitFor();
  assert.equal(await del.getByTestId('last-passkey-warning').count(), 0, 'not the last one');
  await del.getByRole('button', { name: 'Delete passkey' }).click();
  await stepUp.waitFor(); // the server said step_up_required; the page asks
  await stepUp.getByRole('button', { name: 'Cancel' }).click();
  await del.getByText('The passkey was not deleted because the check was cancelled.').waitFor();
  assert.equal(await server.context.passkeys.countForUser(userId), 2, 'still nothing deleted');

  // --- delete after verification
  await del.getByRole('button', { name: 'Delete passkey' }).click();
  await phoneA.verify(PASSWORD, nextTotp(clock, secret));
  const signalled = pageA.locator('[data-testid="passkey-deleted"][data-signalled="true"]');
  await signalled.waitFor();
  assert.deepEqual(
    (await phoneA.passkeyRows()).map((r) => r.id),
    [passkeyA.id],
  );
  assert.equal(await server.context.passkeys.byIdForUser(passkeyB.id, userId), undefined);
  // Signal API: phone A's provider was told A's passkey is still accepted, so it keeps it.
  assert.equal((await phoneA.authenticator.getCredentials()).length, 1);

  // --- the last passkey: warning and explicit second confirmation
  await pageA.getByRole('button', { name: 'Delete My Pixel' }).click();
  await del.getByTestId('last-passkey-warning').waitFor();
  const confirmBtn = del.getByRole('button', { name: 'Delete passkey' });
  assert.equal(await confirmBtn.isDisabled(), true, 'needs the second confirmation first');
  const lastRefused = await apiFrom<{ error: { code: string } }>(
    pageA,
    'DELETE',
    `/api/passkeys/${passkeyA.id}`,
  );
  assert.equal(lastRefused.status, 409);
  assert.equal(lastRefused.body.error.code, 'last_passkey');
  await del.getByLabel('I understand, delete my last passkey').check();
  await confirmBtn.click();
  await pageA.getByTestId('no-passkeys').waitFor();
  await signalled.waitFor();
  assert.equal(await server.context.passkeys.countForUser(userId), 0);
  const meEnd = await apiFrom<MeResponse>(pageA, 'GET', '/api/me');
  assert.equal(meEnd.body.passkeyCount, 0);
  // Signal API: the accepted list is now empty, so phone A's provider dropped its passkey.
  assert.equal((await phoneA.authenticator.getCredentials()).length, 0);
  const removed = (await apiFrom<ActivityListResponse>(pageA, 'GET', '/api/activity')).body.events
    .filter((e) => e.type === 'passkey.removed')
    .map((e) => e.details.passkeyId);
  assert.deepEqual(removed.sort(), [passkeyA.id, passkeyB.id].sort());

  // --- turning the authenticator app off (the session was verified for the deletes)
  await pageA.getByTestId('totp-section').getByRole('button', { name: 'Turn off' }).click();
  await pageA.getByTestId('totp-off-dialog').getByRole('button', { name: 'Turn off' }).click();
  await pageA.getByRole('button', { name: 'Set up authenticator app' }).waitFor();
  assert.equal((await apiFrom<MeResponse>(pageA, 'GET', '/api/me')).body.totpEnabled, false);

  // --- phone A ends phone B's session; phone B's page notices and goes back to Sign in
  await pageA.reload();
  const sessionRows = pageA.getByTestId('session-row');
  await sessionRows.nth(1).waitFor();
  const meB = await apiFrom<MeResponse>(phoneB.page, 'GET', '/api/me');
  const rowB = pageA.locator(
    `[data-testid="session-row"][data-session-id="${meB.body.session.id}"]`,
  );
  await rowB.getByRole('button', { name: /^Sign out / }).click();
  await pageA.getByTestId('signout-dialog').getByRole('button', { name: 'Sign out' }).click();
  await rowB.waitFor({ state: 'detached' });
  assert.equal((await apiFrom(phoneB.page, 'GET', '/api/me')).status, 401);
  assert.ok(
    !(await server.context.sessions.listLive(userId)).some((x) => x.id === meB.body.session.id),
    'session revoked in storage',
  );
  await phoneB.page.getByRole('button', { name: 'Rename My Pixel' }).click();
  await phoneB.page.getByLabel('Passkey name').fill('Still mine?');
  await phoneB.holdAutofill(() => phoneB.page.getByRole('button', { name: 'Save' }).click());
  await phoneB.page.getByText('Your session has ended. Please sign in again.').waitFor();

  // --- phone B still offers its deleted passkey: plain words, and the provider is told
  await phoneB.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await phoneB.page
    .getByTestId('error')
    .getByText("This passkey isn't registered with your exchange account any more", {
      exact: false,
    })
    .waitFor();
  assert.equal((await phoneB.authenticator.getCredentials()).length, 0, 'signalUnknownCredential');
  assert.deepEqual([...phoneA.cspViolations, ...phoneB.cspViolations], []);
});
