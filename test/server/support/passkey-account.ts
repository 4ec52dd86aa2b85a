/** An account with one soft passkey, made through the real API (sign-up, then add a passkey). */
import assert from 'node:assert/strict';
import type { RegistrationOptionsJSON } from '../../../server/protocol/api';
import { SoftAuthenticator } from '../../support/soft-authenticator';
import { call, signUp } from '../../support/http';

export async function accountWithPasskey(url: string, origin: string, email: string) {
  const cookie = await signUp(url, email);
  const auth = new SoftAuthenticator(origin);
  const o = await call<{ attemptId: string; options: RegistrationOptionsJSON }>(
    url,
    '/api/passkeys/options',
    { cookie, body: {} },
  );
  assert.equal(o.status, 200, JSON.stringify(o.body));
  const r = await call(url, '/api/passkeys/verify', {
    cookie,
    body: { attemptId: o.body.attemptId, response: auth.register(o.body.options) },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return { email, cookie, auth };
}
