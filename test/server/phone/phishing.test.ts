/**
 * Phishing resistance, both halves:
 * - the browser refuses to use the passkey on a look-alike origin (exchange-login.localhost is
 *   the same server under another name, like a phishing proxy), so nothing is ever signed;
 * - the server refuses an assertion whose origin or RP ID is wrong, even when it is signed by
 *   the real passkey's private key (taken from the virtual authenticator), and changes nothing.
 */
import { test } from 'vitest';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PasskeyLoginOptionsResponse,
} from '../../../server/protocol/api';
import { toBase64Url, type VirtualCredential } from '../../support/chromium';
import { TEST_RP_ID } from '../../support/server';
import { apiFrom, startRig } from './rig';
import { step } from '../../support/vitest';

const EMAIL = 'phish@example.com';
const PASSWORD = 'phishing resistant pw';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

/**
 * An assertion built and signed in Node with the passkey's real private key, with exactly the
 * origin and RP ID the test chooses. Flags: UP + UV (+ BE/BS as registered).
 */
function forgeAssertion(opts: {
  cred: VirtualCredential;
  challenge: string;
  origin: string;
  rpId: string;
  counter: number;
  backupEligible: boolean;
}): AuthenticationResponseJSON {
  const clientDataJSON = Buffer.from(
    JSON.stringify({
      type: 'webauthn.get',
      challenge: opts.challenge,
      origin: opts.origin,
      crossOrigin: false,
    }),
  );
  const flags = 0x01 | 0x04 | (opts.backupEligible ? 0x08 : 0);
  const counter = Buffer.alloc(4);
  counter.writeUInt32BE(opts.counter);
  const authenticatorData = Buffer.concat([sha256(opts.rpId), Buffer.from([flags]), counter]);
  const key = createPrivateKey({
    key: Buffer.from(opts.cred.privateKey, 'base64'),
    format: 'der',
    type: 'pkcs8',
  });
  const signature = sign('sha256', Buffer.concat([authenticatorData, sha256(clientDataJSON)]), key);
  const id = toBase64Url(opts.cred.credentialId);
  return {
    id,
    rawId: id,
    type: 'public-key',
    response: {
      clientDataJSON: clientDataJSON.toString('base64url'),
      authenticatorData: authenticatorData.toString('base64url'),
      signature: signature.toString('base64url'),
      userHandle: toBase64Url(opts.cred.userHandle!),
    },
    clientExtensionResults: {},
    authenticatorAttachment: 'platform',
  };
}

async function post<T>(url: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

test('phishing: the look-alike origin never gets a signature; the server refuses wrong origin or RP ID', async (t) => {
  const rig = await startRig(t);
  const { server } = rig;
  const phone = await rig.phone();
  const page = phone.page;
  await phone.signUp(EMAIL, PASSWORD);
  const passkey = await phone.enrolPasskey(PASSWORD);
  const userId = (await apiFrom<{ user: { id: string } }>(page, 'GET', '/api/me')).body.user.id;
  await phone.signOut();

  const [cred] = await phone.authenticator.getCredentials();
  assert.ok(cred?.userHandle, 'a discoverable passkey with a user handle');
  const stored = async () => (await server.context.passkeys.byIdForUser(passkey.id, userId))!;
  const sessionsNow = async () => (await server.context.sessions.listLive(userId)).length;
  const before = await stored();
  const sessionsBefore = await sessionsNow();

  await step(t, 'browser: the passkey is refused on exchange-login.localhost', async () => {
    const lookAlike = `http://exchange-login.localhost:${server.port}`;
    // Sign up starts no WebAuthn request of its own, so this call is the only one pending.
    await page.goto(`${lookAlike}/m/signup`);
    await page.getByTestId('signup-page').waitFor();
    const raw = await page.evaluate(async (rpId) => {
      try {
        await navigator.credentials.get({
          publicKey: {
            challenge: crypto.getRandomValues(new Uint8Array(32)),
            rpId,
            userVerification: 'required',
          },
        });
        return 'signed';
      } catch (e) {
        return (e as Error).name;
      }
    }, TEST_RP_ID);
    assert.equal(raw, 'SecurityError');

    // The real app served under the look-alike name (a phishing proxy) gets the same refusal,
    // and the person is told to check the address: at once (the autofill request) ...
    await page.goto(`${lookAlike}/m/signin`);
    const error = page.locator('[data-testid="error"][data-code="ERROR_INVALID_RP_ID"]');
    await error.waitFor();
    // ... and again from the button, once that request has settled.
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await error.waitFor();
    assert.match(
      (await error.textContent())!,
      /only work on its real site\. Check the address bar/,
    );
    const [after] = await phone.authenticator.getCredentials();
    assert.equal(after!.signCount, cred.signCount, 'the authenticator signed nothing');
  });

  await step(
    t,
    'browser-made assertion from another origin (sub.exchange.localhost) is refused',
    async () => {
      // The RP ID is a suffix of this origin, so the browser signs; the origin in the signed
      // client data is not one the server accepts.
      // The virtual authenticator answers the page's autofill request at once: the browser
      // signs, the server refuses; then the same through the button.
      await page.goto(`http://sub.exchange.localhost:${server.port}/m/signin`);
      const refused = page.locator(
        '[data-testid="error"][data-code="passkey_verification_failed"]',
      );
      await refused.waitFor();
      const signedOnce = (await phone.authenticator.getCredentials())[0]!.signCount;
      assert.ok(signedOnce > cred.signCount, 'the browser did sign this time');
      await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
      await refused.waitFor();
      const [after] = await phone.authenticator.getCredentials();
      assert.ok(after!.signCount > signedOnce, 'and signed again from the button');
      const now = await stored();
      assert.equal(now.counter, before.counter, 'counter unchanged');
      assert.equal(now.last_used_at, before.last_used_at, 'last used unchanged');
      assert.equal(await sessionsNow(), sessionsBefore, 'no session');
    },
  );

  await step(t, 'server: forged-in-Node assertions with the real key', async () => {
    const origin = server.phoneOrigin;
    let counter = (await phone.authenticator.getCredentials())[0]!.signCount + 10;
    const attempt = async (o: { origin: string; rpId: string }) => {
      const opts = await post<PasskeyLoginOptionsResponse>(
        `${server.url}/api/auth/passkey/options`,
        {},
      );
      counter += 1;
      const response = forgeAssertion({
        cred,
        challenge: opts.body.options.challenge,
        origin: o.origin,
        rpId: o.rpId,
        counter,
        backupEligible: before.backup_eligible === 1,
      });
      return post<{ error?: { code: string } }>(`${server.url}/api/auth/passkey/verify`, {
        attemptId: opts.body.attemptId,
        response,
        client: 'desktop',
      });
    };

    const wrongOrigin = await attempt({
      origin: `http://exchange-login.localhost:${server.port}`,
      rpId: TEST_RP_ID,
    });
    assert.equal(wrongOrigin.status, 400);
    assert.equal(wrongOrigin.body.error?.code, 'passkey_verification_failed');

    const wrongRpId = await attempt({ origin, rpId: 'exchange-login.localhost' });
    assert.equal(wrongRpId.status, 400);
    assert.equal(wrongRpId.body.error?.code, 'passkey_verification_failed');

    const now = await stored();
    assert.equal(now.counter, before.counter, 'counter unchanged');
    assert.equal(now.last_used_at, before.last_used_at, 'last used unchanged');
    assert.equal(await sessionsNow(), sessionsBefore, 'no session');

    // Control: the same forging with the right origin and RP ID is accepted, so the two
    // refusals above were about the origin and the RP ID, not about the forging.
    const right = await attempt({ origin, rpId: TEST_RP_ID });
    assert.equal(right.status, 200);
    assert.equal(await sessionsNow(), sessionsBefore + 1);
    assert.equal((await stored()).counter, counter);
  });
});
