/**
 * The same-network check fails closed (server/tunnel/network-check.ts): when the server cannot
 * tell clients apart (a TLS proxy in front and no TRUST_PROXY, or a trusted proxy that sent no
 * X-Forwarded-For) every QR sign-in is "different networks" and asks for the reverse code;
 * REVERSE_CODE=always asks every time. The honest user signs in with the code.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'vitest';
import { loadConfig } from '../../../server/config';
import { createNetworkCheck, networkCheckWarning } from '../../../server/tunnel/network-check';
import type { AuthenticationOptionsJSON } from '../../../server/protocol/api';
import type { Config } from '../../../server/config';
import { startTestServer } from '../../support/server';
import { accountWithPasskey } from '../support/passkey-account';
import { relayClient, startForwardingProxy } from '../support/net-clients';
import { call } from '../../support/http';

const HTTPS_ORIGIN = 'https://exchange.localhost';

test('REVERSE_CODE is validated', () => {
  assert.equal(loadConfig({}).reverseCode, 'different-network');
  assert.equal(loadConfig({ REVERSE_CODE: 'always' }).reverseCode, 'always');
  assert.throws(
    () => loadConfig({ REVERSE_CODE: 'sometimes' }),
    /REVERSE_CODE must be "always" or "different-network"/,
  );
});

test('the check: who can be vouched for', () => {
  const check = (c: Partial<Config>) =>
    createNetworkCheck({ trustProxy: false, rpOrigins: null, ...c }).sameNetwork;
  assert.equal(check({})('127.0.0.2', '127.0.0.2'), true, 'local dev over http');
  assert.equal(check({})('127.0.0.2', '127.0.0.3'), false);
  const proxied = check({ rpOrigins: [HTTPS_ORIGIN] });
  assert.equal(proxied('10.0.0.5', '10.0.0.5'), false, 'probably the TLS proxy');
  assert.equal(proxied('::1', '::1'), false);
  assert.equal(proxied('fd12::5', 'fd12::5'), false);
  assert.equal(proxied('203.0.113.9', '203.0.113.9'), true, 'a public peer is a client');
  const listed = check({ rpOrigins: [HTTPS_ORIGIN], trustProxy: '10.0.0.0/8' });
  assert.equal(listed('10.0.0.5', '10.0.0.5'), false, 'the proxy itself names no client');
  assert.equal(listed('192.168.1.20', '192.168.1.20'), true, 'a client on the LAN');
  // REVERSE_CODE=always asks for the code without claiming the networks differ.
  const always = createNetworkCheck({ trustProxy: false, rpOrigins: null, reverseCode: 'always' });
  assert.equal(always.sameNetwork('127.0.0.2', '127.0.0.2'), true);
  assert.equal(always.alwaysAskCode, true);
  assert.equal(createNetworkCheck({ trustProxy: false, rpOrigins: null }).alwaysAskCode, false);
  assert.equal(networkCheckWarning({ trustProxy: false, rpOrigins: null }), null);
  assert.equal(networkCheckWarning({ trustProxy: '127.0.0.1', rpOrigins: [HTTPS_ORIGIN] }), null);
  assert.match(
    networkCheckWarning({ trustProxy: false, rpOrigins: [HTTPS_ORIGIN] }) ?? '',
    /TRUST_PROXY is unset/,
  );
});

/**
 * A QR sign-in: the desktop opens a pairing and asks for options linked to it, the phone
 * joins; returns what the phone was told and a function that finishes the sign-in.
 */
async function qrSignIn(
  t: TestContext,
  url: string,
  desktopFrom: string,
  phoneFrom: string,
  auth: { assert(o: AuthenticationOptionsJSON): unknown },
  headers: Record<string, string> = {},
) {
  const desktop = await relayClient(url, { localAddress: desktopFrom, headers });
  const phone = await relayClient(url, { localAddress: phoneFrom });
  t.onTestFinished(() => {
    desktop.close();
    phone.close();
  });
  const created = await desktop.create();
  assert.ok(created.ok);
  const o = await call(url, '/api/auth/passkey/options', {
    body: { pairingId: created.pairingId },
    localAddress: desktopFrom,
    headers,
  });
  assert.equal(o.status, 200, JSON.stringify(o.body));
  const joined = await phone.join(created.pairingId);
  assert.ok(joined.ok);
  // The phone posts its assertion to the server once; the desktop then redeems the attempt,
  // with the code where one was issued (docs/security.md).
  let approval: Promise<unknown> | undefined;
  const approve = () =>
    (approval ??= call(url, '/api/auth/passkey/approve', {
      body: {
        pairingId: created.pairingId,
        response: auth.assert(o.body.options as AuthenticationOptionsJSON),
      },
      localAddress: phoneFrom,
    }).then((r) => assert.equal(r.status, 200, JSON.stringify(r.body))));
  const verify = async (reverseCode?: string) => {
    await approve();
    return call(url, '/api/auth/passkey/redeem', {
      body: {
        attemptId: o.body.attemptId,
        client: 'desktop',
        ...(reverseCode ? { reverseCode } : {}),
      },
      localAddress: desktopFrom,
    });
  };
  return { joined, verify };
}

test('behind a TLS proxy without TRUST_PROXY: attacker and victim share the proxy address, yet the code is asked', async (t) => {
  const srv = await startTestServer({ config: { rpOrigins: [HTTPS_ORIGIN] } });
  t.onTestFinished(() => srv.close());
  // Like a TLS terminator that adds no X-Forwarded-For: every client arrives from 127.0.0.5.
  const proxy = await startForwardingProxy(srv.url, { proxyAddress: '127.0.0.5', forward: false });
  t.onTestFinished(() => proxy.close());
  const { auth } = await accountWithPasskey(proxy.url, HTTPS_ORIGIN, 'victim@example.com');

  // Attacker desktop on 127.0.0.2, victim phone on 127.0.0.3: both look like 127.0.0.5.
  const attack = await qrSignIn(t, proxy.url, '127.0.0.2', '127.0.0.3', auth);
  assert.equal(attack.joined.ok && attack.joined.desktop.ip, '127.0.0.5');
  assert.equal(attack.joined.ok && attack.joined.sameNetwork, false);
  const code = attack.joined.ok ? attack.joined.reverseCode : undefined;
  assert.match(code ?? '', /^\d{6}$/);
  const noCode = await attack.verify();
  assert.equal(noCode.status, 400);
  assert.equal((noCode.body.error as { code: string }).code, 'reverse_code_required');

  // The honest user reads the code off the phone and signs in.
  const honest = await qrSignIn(t, proxy.url, '127.0.0.4', '127.0.0.4', auth);
  const honestCode = honest.joined.ok ? honest.joined.reverseCode : undefined;
  assert.match(honestCode ?? '', /^\d{6}$/);
  const ok = await honest.verify(honestCode);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal((ok.body.user as { email: string }).email, 'victim@example.com');

  const warnings = srv
    .logs()
    .split('\n')
    .filter((l) => l.includes('TRUST_PROXY is unset'));
  assert.equal(warnings.length, 1, 'said once at start-up');
  assert.match(warnings[0] ?? '', /"level":40/);
});

test('a trusted proxy that forwards no address names no client: different networks', async (t) => {
  const srv = await startTestServer({ trustProxy: '127.0.0.5' });
  t.onTestFinished(() => srv.close());
  const proxy = await startForwardingProxy(srv.url, { proxyAddress: '127.0.0.5', forward: false });
  t.onTestFinished(() => proxy.close());
  const { auth } = await accountWithPasskey(srv.url, srv.phoneOrigin, 'victim@example.com');
  const r = await qrSignIn(t, proxy.url, '127.0.0.2', '127.0.0.3', auth);
  assert.ok(r.joined.ok);
  assert.equal(r.joined.desktop.ip, '127.0.0.5');
  assert.equal(r.joined.sameNetwork, false);
  assert.match(r.joined.reverseCode ?? '', /^\d{6}$/);
});

test('REVERSE_CODE=always: the code is asked even from one address, and the user gets through', async (t) => {
  const srv = await startTestServer({ config: { reverseCode: 'always' } });
  t.onTestFinished(() => srv.close());
  const { auth } = await accountWithPasskey(srv.url, srv.phoneOrigin, 'always@example.com');
  const r = await qrSignIn(t, srv.url, '127.0.0.2', '127.0.0.2', auth);
  assert.ok(r.joined.ok);
  // One address: the phone is not told "different networks", yet it gets the code to show.
  assert.equal(r.joined.sameNetwork, true);
  assert.match(r.joined.reverseCode ?? '', /^\d{6}$/);
  assert.equal((await r.verify()).status, 400, 'no code, no sign-in');
  const again = await qrSignIn(t, srv.url, '127.0.0.2', '127.0.0.2', auth);
  const ok = await again.verify(again.joined.ok ? again.joined.reverseCode : undefined);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
});

test('default settings, same address over plain http: no code (unchanged)', async (t) => {
  const srv = await startTestServer();
  t.onTestFinished(() => srv.close());
  const { auth } = await accountWithPasskey(srv.url, srv.phoneOrigin, 'home@example.com');
  const r = await qrSignIn(t, srv.url, '127.0.0.2', '127.0.0.2', auth);
  assert.ok(r.joined.ok);
  assert.equal(r.joined.sameNetwork, true);
  assert.equal(r.joined.reverseCode, undefined);
  assert.equal((await r.verify()).status, 200);
});
