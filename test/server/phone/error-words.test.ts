/**
 * Every failure a person can hit on the phone pages gets plain words and a way forward:
 * a cancelled passkey prompt (sign-in and creation), no passkey on this phone, an expired
 * challenge, too many password tries, and the server being unreachable. Real Chromium, real
 * virtual authenticator, real server.
 */
import { test } from 'vitest';
import assert from 'node:assert/strict';
import type { MeResponse } from '../../../server/protocol/api';
import { apiFrom, startRig } from './rig';
import { step } from '../../support/vitest';

const PASSWORD = 'plain words password';

test('error words on the phone pages', async (t) => {
  const rig = await startRig(t, {
    rateLimits: {
      perAccount: { max: 3, windowSeconds: 600 },
      perIp: { max: 100, windowSeconds: 600 },
    },
  });
  const { server, clock } = rig;
  const phone = await rig.phone();
  const page = phone.page;
  const error = page.getByTestId('error');
  await phone.signUp('words@example.com', PASSWORD);
  await phone.enrolPasskey(PASSWORD);

  await step(t, 'cancelled passkey prompt at sign-in: plain words, and retry works', async () => {
    await phone.signOut();
    await phone.authenticator.setUserVerified(false); // the person cancels the biometric check
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.locator('[data-testid="error"][data-code="NotAllowedError"]').waitFor();
    assert.match(
      (await error.textContent())!,
      /The passkey check didn't finish: it was cancelled, timed out, or this phone has no passkey for your exchange account\. Try again, or sign in with your password\./,
    );
    assert.equal((await apiFrom(page, 'GET', '/api/me')).status, 401, 'still signed out');

    await phone.authenticator.setUserVerified(true);
    await error.getByRole('button', { name: 'Try the passkey again' }).click();
    await page.getByTestId('security-page').waitFor();
    const me = await apiFrom<MeResponse>(page, 'GET', '/api/me');
    assert.equal(me.body.session.method, 'passkey');
  });

  await step(
    t,
    'cancelled prompt when creating a passkey: plain words, and retry works',
    async () => {
      const second = await rig.phone(); // a phone without a passkey yet
      const p2 = second.page;
      const e2 = p2.getByTestId('error');
      await second.signIn('words@example.com', PASSWORD);
      await second.authenticator.setUserVerified(false);
      await p2.getByRole('button', { name: 'Create a passkey' }).click();
      await second.verify(PASSWORD); // a password sign-in is not a fresh verification
      await p2.locator('[data-testid="error"][data-code="NotAllowedError"]').waitFor();
      assert.match(
        (await e2.textContent())!,
        /The passkey wasn't created: the prompt was cancelled or timed out\. Try again when you're ready\./,
      );
      assert.equal((await second.passkeyRows()).length, 1, "only the first phone's passkey");

      await second.authenticator.setUserVerified(true);
      await e2.getByRole('button', { name: 'Try again' }).click();
      await p2.getByTestId('passkey-created').waitFor();
      assert.equal((await second.passkeyRows()).length, 2);
      await second.close();
    },
  );

  await step(t, 'a second passkey on the same phone: told it already has one', async () => {
    await page.reload();
    await page.getByRole('button', { name: 'Create a passkey' }).click();
    await phone.verify(PASSWORD);
    await page
      .locator('[data-testid="error"][data-code="ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED"]')
      .waitFor();
    // What happened and what to do (issue 9, defect 4), and no "Try again" that fails again.
    assert.equal(
      await error.locator('p').textContent(),
      'This phone already has a passkey for this account. Use another phone or a security key.',
    );
    assert.equal(await error.getByRole('button').count(), 0);
  });

  await step(t, 'no passkey on this phone', async () => {
    const empty = await rig.phone();
    await empty.openSignIn();
    await empty.page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const e = empty.page.getByTestId('error');
    await e.waitFor();
    assert.match((await e.textContent())!, /this phone has no passkey for your exchange account/);
    assert.match((await e.textContent())!, /sign in with your password/);
    await empty.close();
  });

  await step(t, 'expired challenge: plain words, and a fresh try works', async () => {
    await phone.signOut();
    // The person takes longer than the challenge lives: move the server clock on while the
    // signed answer is on its way (the request itself goes through unchanged).
    await page.route('**/api/auth/passkey/verify', async (route) => {
      clock.advance(10 * 60_000);
      await route.continue();
    });
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.locator('[data-testid="error"][data-code="challenge_expired"]').waitFor();
    assert.match(
      (await error.textContent())!,
      /This request has run out of time\. Please try again\./,
    );
    await page.unroute('**/api/auth/passkey/verify');
    await error.getByRole('button', { name: 'Try the passkey again' }).click();
    await page.getByTestId('security-page').waitFor();
  });

  await step(t, 'too many password tries: when to try again', async () => {
    await phone.signOut();
    const attempts: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.getByLabel('Password', { exact: true }).fill(`wrong password ${i}`);
      await page.getByLabel('Email').fill('words@example.com');
      const submit = page.getByRole('button', { name: 'Sign in', exact: true });
      await submit.click();
      // The button is disabled while the request runs and enabled again with the answer.
      await page.locator('form button[type="submit"]:not([disabled])').waitFor();
      attempts.push((await error.getAttribute('data-code'))!);
    }
    assert.deepEqual(attempts.slice(0, 3), [
      'invalid_credentials',
      'invalid_credentials',
      'invalid_credentials',
    ]);
    assert.equal(attempts[3], 'rate_limited');
    assert.match(
      (await error.textContent())!,
      /^Too many tries\. Try again in \d+ (minutes?|seconds?)\./,
    );
  });

  await step(t, 'server unreachable: plain words and a retry', async () => {
    await server.close();
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.locator('[data-testid="error"][data-code="network"]').waitFor();
    assert.equal(
      await error.locator('p').textContent(),
      "Can't reach the server. Check your connection and try again.",
    );
    await error.getByRole('button', { name: 'Try the passkey again' }).waitFor();
  });
});
