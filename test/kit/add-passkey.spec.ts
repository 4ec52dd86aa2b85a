/**
 * Sample spec for testers: add a passkey from the desktop (Settings › Passkeys). The desktop
 * asks "Is this your phone?" naming the phone, and the phone must be signed in to the same
 * account; after "Yes" the phone makes the passkey and the desktop lists it. `secondPhone` is
 * that phone (`phone` made the account and holds its first passkey).
 */
import { readQr } from '../support/read-qr';
import { openAddPasskey, signInWithPassword, confirmPhoneStep } from '../e2e/support/desktop-ui';
import { expect, test } from './fixtures';

test('add a passkey from the desktop: confirm the phone, then it is listed', async ({
  desktop,
  secondPhone,
  account,
}) => {
  const { page } = desktop;
  await signInWithPassword(page, account.email, account.password);
  const dialog = await openAddPasskey(page);
  const link = await readQr(page);

  const approving = secondPhone.approvePairing(link);
  const step = confirmPhoneStep(dialog);
  await expect(step.device).toHaveText('Chrome on Android');
  await step.yes.click();
  await approving;
  expect(await secondPhone.authenticator.getCredentials()).toHaveLength(1);

  await expect(page.getByText(/^Passkey added\. “.+” is ready to sign in\.$/)).toBeVisible();
  await expect(page.getByTestId('passkey-row')).toHaveCount(2);
});
