/**
 * An unscanned QR is replaced before it expires: with the relay's unscanned lifetime cut to
 * 4 s (instead of 60 s), the desktop shows a new, different QR by itself, and the new one signs in.
 */
import assert from 'node:assert/strict';
import { parseQrLink } from '../../server/protocol/qr-link';
import { readQr } from '../support/read-qr';
import { worldTest } from '../support/fixtures';

const test = worldTest({ tunnel: { limits: { unscannedMs: 4_000 } } });

test('the QR refreshes by itself when it expires, and the fresh one works', async ({
  world,
  launchDesktop,
}) => {
  const { email, phone } = await world.newAccount();
  const desktop = await launchDesktop();
  const { page } = desktop;

  const first = await readQr(page);
  const second = await readQr(page, { notEqual: first, timeoutMs: 20_000 });
  const pairingOf = async (link: string) => (await parseQrLink(link)).pairingId;
  assert.notEqual(
    await pairingOf(second),
    await pairingOf(first),
    'a new pairing, not the same QR redrawn',
  );

  // The expired QR is dead on the phone; nothing reaches the desktop from it.
  await phone.page.goto(first);
  const ended = phone.page.getByTestId('pair-error');
  await ended.waitFor();
  assert.equal(await ended.getAttribute('data-reason'), 'expired');

  // Take a QR the moment it appears, so the phone has the whole (short) lifetime to join.
  const fresh = await readQr(page, { notEqual: await readQr(page), timeoutMs: 20_000 });
  // Leave the pair page first: a goto that only changes the #fragment would not reload it.
  await phone.page.goto('about:blank');
  await phone.approvePairing(fresh);
  await page.getByTestId('account-email').filter({ hasText: email }).waitFor();
});
