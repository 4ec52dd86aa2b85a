/**
 * electron/ipc/qr-view.ts, state by state: what of qr-login's QR states reaches the
 * renderer. The phone is only its readable name (even if the state carried more), the
 * add-passkey code offers no "Copy link", "Is this your phone?" has its own view, and a
 * finished add-passkey names the passkey the server stored.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import type { QrLoginState } from '../../../electron/services/qr-login';
import { toQrView } from '../../../electron/ipc/qr-view';
import type { PasskeyView } from '../../../server/protocol/api';

const LINK = 'HTTP://EXCHANGE.LOCALHOST:1/m/pair#2' + '7'.repeat(157);

test('a shown code: the image only, and Copy link for sign-in but not for add-passkey', async () => {
  const state: QrLoginState = { status: 'waiting-for-scan', link: LINK, expiresAt: 1234 };
  const signIn = await toQrView('sign-in', state);
  const add = await toQrView('add-passkey', state);
  assert.ok(signIn.status === 'waiting-for-scan' && signIn.canCopyLink === true);
  assert.ok(add.status === 'waiting-for-scan' && add.canCopyLink === false);
  assert.ok(add.qrImage.startsWith('data:image/svg+xml;base64,'));
  assert.equal(JSON.stringify([signIn, add]).includes(LINK), false, 'the link stays in main');
});

test('confirm-phone and scanned carry the device name and nothing else about the phone', async () => {
  // Whatever else a future PhoneInfo learns (an address, the raw user agent), only the name crosses.
  const phone = {
    device: 'Chrome on Android',
    ip: '203.0.113.9',
    userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8)',
  };
  const confirm = await toQrView('add-passkey', { status: 'confirm-phone', phone });
  assert.deepEqual(confirm, {
    status: 'confirm-phone',
    purpose: 'add-passkey',
    phone: { device: 'Chrome on Android' },
  });
  const waiting = await toQrView('sign-in', {
    status: 'waiting-for-approval',
    phone,
    sameNetwork: false,
  });
  assert.deepEqual(waiting, {
    status: 'scanned',
    purpose: 'sign-in',
    phone: { device: 'Chrome on Android' },
    sameNetwork: false,
  });
  assert.doesNotMatch(JSON.stringify([confirm, waiting]), /203\.0\.113\.9|Mozilla|Pixel/);
});

test('done: add-passkey names the stored passkey; sign-in names the user', async () => {
  const passkey: PasskeyView = {
    id: 'pk_1234abcd',
    credentialId: 'Y3JlZA',
    name: 'Chrome on Android',
    providerName: 'Google Password Manager',
    aaguid: 'ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4',
    createdAt: '2026-12-01T20:00:00.000Z',
    lastUsedAt: null,
    backupEligible: true,
    backedUp: true,
    kind: 'synced',
    transports: ['hybrid', 'internal'],
    usedForThisSession: false,
  };
  assert.deepEqual(await toQrView('add-passkey', { status: 'passkey-added', passkey }), {
    status: 'done',
    purpose: 'add-passkey',
    user: null,
    passkey,
  });
  const user = { id: 'u_1', email: 'a@example.com' } as never;
  const signedIn = await toQrView('sign-in', { status: 'signed-in', user });
  assert.ok(signedIn.status === 'done' && signedIn.user === user && signedIn.passkey === null);
});
