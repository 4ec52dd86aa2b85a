/**
 * Sample spec for testers: sign in on the desktop by scanning its QR code with the phone.
 * The phone reads the code off the desktop's pixels, as a camera would.
 */
import { readQr } from '../support/read-qr';
import { expect, test } from './fixtures';

test('QR sign-in: the phone scans the desktop code and the desktop is signed in', async ({
  desktop,
  phone,
  account,
}) => {
  const { page } = desktop;
  await expect(page.getByText('Waiting for your phone to scan the code')).toBeVisible();
  const link = await readQr(page);
  // Link v2 (server/protocol/qr-link.ts): origin in capitals, the path the server serves.
  expect(link).toMatch(/^HTTP:\/\/EXCHANGE\.LOCALHOST:\d+\/m\/pair#2\d{157}$/);

  await phone.approvePairing(link);

  await expect(page.getByTestId('account-email')).toHaveText(account.email);
  await expect(page.getByText('your phone (QR code)')).toBeVisible();
});
