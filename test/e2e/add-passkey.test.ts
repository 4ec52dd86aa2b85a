/**
 * Adding a passkey from the desktop with a phone (Settings › Passkeys), real parts throughout:
 * the desktop app, the real server and relay, and a second software phone (its own Chromium
 * context and virtual authenticator) signed in to the same account, which reads the QR from
 * the desktop's pixels.
 *
 * The desktop asks "Is this your phone?" naming the phone by its browser ("Chrome on
 * Android"), and nothing is asked of the phone before the person says yes; "No, cancel" ends
 * it with nothing added. The add-passkey code has no "Copy link". After success the new
 * passkey is named, on screen and in the list (the desktop's result carries it).
 */
import assert from 'node:assert/strict';
import type { Phone } from '../support/phone';
import { readQr } from '../support/read-qr';
import { confirmPhoneStep, openAddPasskey, signInWithPassword } from './support/desktop-ui';
import { PASSWORD } from '../support/world';
import { worldTest, type NewPhone } from '../support/fixtures';

const test = worldTest();

/** A second device of the same person, signed in to their account on the exchange's site. */
async function secondPhone(newPhone: NewPhone, email: string): Promise<Phone> {
  const tablet = await newPhone();
  await tablet.signIn(email, PASSWORD);
  return tablet;
}

test('the desktop names the phone and asks first; yes adds the passkey, which is then named', async ({
  world,
  launchDesktop,
  newPhone,
}) => {
  const { email, phone } = await world.newAccount();
  const [first] = await phone.passkeyRows();
  const { page } = await launchDesktop();
  await signInWithPassword(page, email);
  const dialog = await openAddPasskey(page);
  assert.equal(
    await dialog.getByRole('button', { name: 'Can’t scan?' }).count(),
    0,
    'the add-passkey code is for the camera only: no Copy link',
  );
  const link = await readQr(page);

  const tablet = await secondPhone(newPhone, email);
  const approving = tablet.approvePairing(link);
  const step = confirmPhoneStep(dialog);
  await step.group.waitFor();
  assert.equal((await step.device.innerText()).trim(), 'Chrome on Android');
  await dialog.getByText('A phone scanned the code').waitFor();

  // Until the person answers, the phone has not been asked for anything.
  assert.equal(await tablet.page.getByRole('button', { name: 'Approve' }).count(), 0);
  assert.deepEqual(await tablet.authenticator.getCredentials(), []);

  // Yes and No carry the same weight: same look, same size.
  const [yesBox, noBox] = [await step.yes.boundingBox(), await step.no.boundingBox()];
  assert.ok(yesBox && noBox);
  assert.equal(Math.round(yesBox.width), Math.round(noBox.width), 'same width');
  assert.equal(Math.round(yesBox.height), Math.round(noBox.height), 'same height');
  assert.equal(await step.yes.getAttribute('class'), await step.no.getAttribute('class'));

  await step.yes.click();
  const approval = await approving;
  assert.equal(approval.reverseCode, undefined, 'same network: no code to type');

  const notice = page.getByText(/^Passkey added\. “(.+)” is ready to sign in\.$/);
  await notice.waitFor();
  const name = /“(.+)”/.exec(await notice.innerText())![1]!;
  const rows = page.getByTestId('passkey-row');
  await rows.nth(1).waitFor();
  assert.equal(await rows.count(), 2);
  assert.ok((await rows.filter({ hasText: name }).count()) >= 1, 'the named passkey is listed');
  // It is the tablet's: its authenticator holds one credential, and the server's new passkey
  // (the one that is not the first phone's) has the name the desktop showed.
  assert.equal((await tablet.authenticator.getCredentials()).length, 1);
  await tablet.open('/m/security');
  const added = (await tablet.passkeyRows()).filter((r) => r.id !== first!.id);
  assert.equal(added.length, 1);
  assert.equal(added[0]!.name, name, 'the desktop named the passkey the server stored');
});

test('“No, cancel”: the flow stops, the phone is told, nothing is added', async ({
  world,
  launchDesktop,
}) => {
  const { email } = await world.newAccount();
  const { page } = await launchDesktop();
  await signInWithPassword(page, email);
  const dialog = await openAddPasskey(page);
  const link = await readQr(page);

  // Someone else's phone (here: another account's) opened the code.
  const { phone: stranger } = await world.newAccount();
  await stranger.page.goto(link);
  const step = confirmPhoneStep(dialog);
  await step.group.waitFor();
  await step.no.click();

  await dialog.getByText('Stopped. No one can use the old code.').waitFor();
  await stranger.page.getByTestId('pair-error').waitFor();
  assert.equal(await stranger.page.getByRole('button', { name: 'Approve' }).count(), 0);
  assert.equal((await stranger.authenticator.getCredentials()).length, 1, 'only its own passkey');
  await dialog.getByRole('button', { name: 'Close' }).click();
  assert.equal(await page.getByTestId('passkey-row').count(), 1, 'still only the first passkey');
});

test('different networks: after yes, the desktop asks for the code the phone shows', async ({
  world,
  launchDesktop,
  newPhone,
}) => {
  const { email } = await world.newAccount();
  const { page } = await launchDesktop({ localAddress: '127.0.0.2' });
  await signInWithPassword(page, email);
  const dialog = await openAddPasskey(page);
  const link = await readQr(page);

  const tablet = await secondPhone(newPhone, email);
  const approving = tablet.approvePairing(link, { expectCode: true });
  const step = confirmPhoneStep(dialog);
  await step.group.waitFor();
  await step.yes.click();
  const { reverseCode } = await approving;
  assert.match(reverseCode ?? '', /^\d{6}$/);

  await dialog.getByLabel('Code from your phone', { exact: true }).fill(reverseCode!);
  await dialog.getByRole('button', { name: 'Verify code' }).click();
  await page.getByText(/^Passkey added\. “.+” is ready to sign in\.$/).waitFor();
  await tablet.waitForPairingDone();
  assert.equal(await page.getByTestId('passkey-row').count(), 2);
});
