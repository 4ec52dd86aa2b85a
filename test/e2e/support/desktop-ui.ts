/**
 * What a person does in the desktop window, in the words on screen, for the e2e files that
 * need it more than once: password sign-in, opening a Settings section, answering the security
 * verification, and starting "Add a passkey" up to the dialog with the code.
 */
import type { Locator, Page } from 'playwright-core';
import { PASSWORD } from '../../support/world';

export async function signInWithPassword(page: Page, email: string, password = PASSWORD) {
  await page.getByRole('button', { name: 'Sign in with password instead' }).click();
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByTestId('account-email').filter({ hasText: email }).waitFor();
}

export async function openSettings(page: Page, section: string) {
  await page.getByRole('button', { name: 'Settings' }).click();
  await page
    .getByRole('navigation', { name: 'Settings sections' })
    .getByRole('button', { name: section })
    .click();
}

/**
 * Answers "Confirm it's you" with the password and waits for the dialog to go. An account
 * with a passkey is offered "Confirm with your phone" first; the password is the fallback.
 */
export async function verify(page: Page, password = PASSWORD) {
  const dialog = page.getByRole('dialog', { name: 'Confirm it’s you' });
  await usePasswordInstead(dialog);
  await dialog.getByLabel('Password', { exact: true }).fill(password);
  await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
  await dialog.waitFor({ state: 'detached' });
}

/**
 * Settings › Passkeys › Add a passkey, verified: returns the dialog showing the code. The
 * caller reads the QR from the screen (readQr) as a phone camera would.
 */
export async function openAddPasskey(page: Page): Promise<Locator> {
  await openSettings(page, 'Passkeys');
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await verify(page);
  const dialog = page.getByRole('dialog', { name: 'Add a passkey with your phone' });
  await dialog.getByRole('img', { name: /QR code to add a passkey/ }).waitFor();
  return dialog;
}

/** The "Is this your phone?" step inside the add-passkey dialog. */
export function confirmPhoneStep(dialog: Locator) {
  const group = dialog.getByRole('group', { name: 'Is this your phone?' });
  return {
    group,
    device: group.getByTestId('qr-phone-device'),
    yes: group.getByRole('button', { name: 'Yes, add the passkey' }),
    no: group.getByRole('button', { name: 'No, cancel' }),
  };
}

/** In "Confirm it's you": leaves the phone (passkey) choice for the password, when offered. */
export async function usePasswordInstead(dialog: Locator) {
  const password = dialog.getByLabel('Password', { exact: true });
  const fallback = dialog.getByRole('button', { name: 'Use password instead' });
  await password.or(fallback).first().waitFor();
  if (await fallback.isVisible()) await fallback.click();
}

/**
 * "Confirm it's you" with the phone: waits for the step-up code in the dialog and returns it
 * (read from the screen by the caller's readQr, as a phone camera would).
 */
export async function stepUpDialog(page: Page): Promise<Locator> {
  const dialog = page.getByRole('dialog', { name: 'Confirm it’s you' });
  await dialog.getByRole('img', { name: /QR code to confirm it’s you/ }).waitFor();
  return dialog;
}
