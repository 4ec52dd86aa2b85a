/**
 * The phone's Security page after issue 9 (defects 5 and 11), in real Chromium with a virtual
 * authenticator against the real server: a later success clears an older error, renaming says
 * "Renamed", Escape closes the rename editor, and the authenticator app step offers "Open in
 * authenticator app", a copy button for the key, and copy and download for the recovery codes.
 * The clipboard is Chromium's own (permission granted); the download is the file it saved.
 */
import { test } from 'vitest';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { assertAxeCleanBothThemes } from '../../support/axe';
import { nextTotp, readQrOnPage, startRig } from './rig';

const PASSWORD = 'a long notices password';

test('Security page: an old error gives way to a later success, rename says so, Escape closes the editor', async (t) => {
  const rig = await startRig(t);
  const phone = await rig.phone();
  const { page } = phone;
  await phone.signUp('notices@example.com', PASSWORD);
  const created = await phone.enrolPasskey(PASSWORD);
  const section = page.getByTestId('passkeys-section');

  // A second passkey on the same phone: refused, in words that say what to do.
  await page.getByRole('button', { name: 'Create a passkey' }).click();
  const error = section.getByTestId('error');
  await error.waitFor();
  assert.equal(
    await error.locator('p').textContent(),
    'This phone already has a passkey for this account. Use another phone or a security key.',
  );
  await assertAxeCleanBothThemes(page, 'Security with an error notice');

  // Rename: the success replaces the error, and says what it did.
  await page.getByRole('button', { name: `Rename ${created.name}` }).click();
  await page.getByLabel('Passkey name').fill('Work phone');
  await assertAxeCleanBothThemes(page, 'the rename editor');
  await page.getByLabel('Passkey name').press('Enter');
  const renamed = section.getByTestId('passkey-renamed');
  await renamed.waitFor();
  assert.equal(await renamed.textContent(), 'Renamed to “Work phone”.');
  assert.equal(await section.getByTestId('error').count(), 0, 'the old error is gone');
  assert.equal(await section.getByRole('alert').count(), 0);
  await assertAxeCleanBothThemes(page, 'Security after Renamed');
  await section.getByTestId('passkey-name').getByText('Work phone', { exact: true }).waitFor();

  // Escape closes the editor without saving, and puts the focus back on Rename.
  const renameButton = page.getByRole('button', { name: 'Rename Work phone' });
  await renameButton.click();
  const input = page.getByLabel('Passkey name');
  await input.fill('Not this');
  await input.press('Escape');
  await input.waitFor({ state: 'detached' });
  await page.waitForFunction(
    () => document.activeElement?.getAttribute('aria-label') === 'Rename Work phone',
  );
  assert.equal(await section.getByTestId('passkey-name').textContent(), 'Work phone');
  const stored = await rig.server.context.passkeys.byIdForUser(
    created.id,
    (await rig.server.context.accounts.byEmail('notices@example.com'))!.id,
  );
  assert.equal(stored?.name, 'Work phone', 'Escape saved nothing');
});

test('authenticator app on the phone: open it in the app, copy the key, copy and download the recovery codes', async (t) => {
  const rig = await startRig(t);
  const phone = await rig.phone();
  const { page } = phone;
  await phone.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: phone.origin,
  });
  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
  await phone.signUp('codes@example.com', PASSWORD);

  await page.getByRole('button', { name: 'Set up authenticator app' }).click();
  const open = page.getByRole('link', { name: 'Open in authenticator app' });
  await open.waitFor();
  const uri = await readQrOnPage(page);
  assert.match(uri, /^otpauth:\/\/totp\//);
  assert.equal(await open.getAttribute('href'), uri, 'the link is the same setup as the QR');

  const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').replace(/\s/g, '');
  await page.getByRole('button', { name: 'Copy key' }).click();
  await page.getByRole('button', { name: 'Copied' }).waitFor();
  assert.equal(await clipboard(), secret);

  await page.getByLabel('Code from your authenticator app').fill(nextTotp(rig.clock, secret));
  await page.getByRole('button', { name: 'Verify' }).click();
  await page.getByTestId('recovery-code').first().waitFor();
  const codes = await page.getByTestId('recovery-code').allTextContents();
  assert.equal(codes.length, 10);
  for (const c of codes) assert.doesNotMatch(c, /[0o1li]/, `look-alike in ${c}`);

  await page.getByRole('button', { name: 'Copy codes' }).click();
  await page.getByRole('button', { name: 'Copied' }).waitFor();
  assert.equal(await clipboard(), codes.join('\n'));

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'recovery-codes.txt');
  const file = fs.readFileSync(await download.path(), 'utf8');
  assert.match(file, /codes@example\.com/);
  assert.deepEqual(
    file.split('\n').filter((l) => /^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/.test(l)),
    codes,
  );
});
