/**
 * One client-address rule for HTTP and the relay (server/http/client-address.ts): TRUST_PROXY
 * lists proxies (IPv4/IPv6 CIDRs, aliases), the rightmost untrusted X-Forwarded-For hop is the
 * client, a bare TRUST_PROXY=true is refused, and the Secure cookie flag comes from config.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import Fastify from 'fastify';
import { loadConfig } from '../../server/config';
import { trustFunction } from '../../server/http/client-address';
import { clientIp } from '../../server/tunnel/client-ip';
import { startTestServer } from '../support/server';
import { call, PASSWORD } from '../support/http';
import { relayClient, startForwardingProxy } from './support/net-clients';

test('TRUST_PROXY=true (believe any peer) and hop counts are refused with a clear message', () => {
  for (const raw of ['true', 'on', '1', '2', 'TRUE']) {
    assert.throws(
      () => loadConfig({ TRUST_PROXY: raw }),
      /TRUST_PROXY=.* is not accepted: .*lists the reverse proxies/,
      raw,
    );
  }
  assert.throws(() => loadConfig({ TRUST_PROXY: 'loopback, proxy.internal' }), /not valid/);
  assert.equal(loadConfig({ TRUST_PROXY: 'fd00::/8, loopback' }).trustProxy, 'fd00::/8,loopback');
  assert.equal(loadConfig({ TRUST_PROXY: 'off' }).trustProxy, false);
});

test('an IPv6 range in TRUST_PROXY gives Fastify and the relay the same client', async (t) => {
  const setting = loadConfig({ TRUST_PROXY: 'fd00::/8' }).trustProxy;
  assert.equal(trustFunction(setting), trustFunction(setting), 'one compiled function');
  const app = Fastify({ trustProxy: trustFunction(setting) });
  t.onTestFinished(() => app.close());
  app.get('/ip', async (request) => ({ ip: request.ip }));
  const cases: [string, string, string][] = [
    // [peer, X-Forwarded-For, client]
    ['fd00::10', '2001:db8::1', '2001:db8::1'],
    ['fd00::10', '2001:db8::99, fd00::20', '2001:db8::99'],
    ['fd00::10', '203.0.113.9, 2001:db8::5', '2001:db8::5'],
    ['2001:db8::7', '2001:db8::1', '2001:db8::7'],
  ];
  for (const [peer, xff, client] of cases) {
    const reply = await app.inject({
      url: '/ip',
      remoteAddress: peer,
      headers: { 'x-forwarded-for': xff },
    });
    const http = (JSON.parse(reply.body) as { ip: string }).ip;
    const relay = clientIp(
      { socket: { remoteAddress: peer } as never, headers: { 'x-forwarded-for': xff } },
      setting,
    );
    assert.equal(http, client, `Fastify for ${peer} / ${xff}`);
    assert.equal(relay, client, `relay for ${peer} / ${xff}`);
  }
});

test('behind an appending proxy a spoofed X-Forwarded-For names neither the victim nor a fresh address', async (t) => {
  const srv = await startTestServer({ trustProxy: '127.0.0.5' });
  t.onTestFinished(() => srv.close());
  const proxy = await startForwardingProxy(srv.url, { proxyAddress: '127.0.0.5' });
  t.onTestFinished(() => proxy.close());

  // The attacker desktop (127.0.0.2) claims the victim phone's address 127.0.0.3.
  const spoof = { 'x-forwarded-for': '127.0.0.3' };
  const desktop = await relayClient(proxy.url, { localAddress: '127.0.0.2', headers: spoof });
  const phone = await relayClient(proxy.url, { localAddress: '127.0.0.3' });
  t.onTestFinished(() => {
    desktop.close();
    phone.close();
  });
  const created = await desktop.create();
  assert.ok(created.ok);
  const joined = await phone.join(created.pairingId);
  assert.ok(joined.ok);
  assert.equal(joined.desktop.ip, '127.0.0.2', 'the relay saw the real source');
  assert.equal(joined.sameNetwork, false);

  // HTTP agrees with the relay: the session records the real source, not the header.
  const signUp = await call(proxy.url, '/api/accounts', {
    body: { email: 'spoofer@example.com', password: PASSWORD },
    localAddress: '127.0.0.2',
    headers: spoof,
  });
  assert.equal(signUp.status, 201, JSON.stringify(signUp.body));
  const cookie = /kb_session=[^;]+/.exec(String(signUp.headers.get('set-cookie')))![0];
  const sessions = await call(proxy.url, '/api/sessions', {
    headers: { cookie, 'x-forwarded-for': '198.51.100.1' },
  });
  assert.equal((sessions.body.sessions as { ip: string }[])[0]?.ip, '127.0.0.2');

  // Rotating the header does not make a new client: the per-subnet limit still applies.
  const statuses: number[] = [];
  for (let i = 0; i < 61; i++) {
    const r = await call(proxy.url, '/api/auth/passkey/options', {
      body: {},
      localAddress: '127.0.0.2',
      headers: { 'x-forwarded-for': `203.0.113.${i}` },
    });
    statuses.push(r.status);
  }
  assert.equal(statuses.filter((s) => s === 200).length, 60);
  assert.equal(statuses.at(-1), 429);

  // The honest user: desktop and phone behind the same proxy from one address are one network.
  const d2 = await relayClient(proxy.url, { localAddress: '127.0.0.4' });
  const p2 = await relayClient(proxy.url, { localAddress: '127.0.0.4' });
  t.onTestFinished(() => {
    d2.close();
    p2.close();
  });
  const c2 = await d2.create();
  assert.ok(c2.ok);
  const j2 = await p2.join(c2.pairingId);
  assert.ok(j2.ok);
  assert.equal(j2.sameNetwork, true);
  assert.equal(j2.desktop.ip, '127.0.0.4');
});

test('an https phone origin makes the session cookie Secure even when the proxy speaks http', async (t) => {
  const srv = await startTestServer({ config: { rpOrigins: ['https://exchange.localhost'] } });
  t.onTestFinished(() => srv.close());
  // No X-Forwarded-Proto, no TRUST_PROXY: request.protocol is "http" here.
  const r = await call(srv.url, '/api/accounts', {
    body: { email: 'secure@example.com', password: PASSWORD },
  });
  assert.equal(r.status, 201);
  assert.match(String(r.headers.get('set-cookie')), /; Secure/);
  const cookie = /kb_session=[^;]+/.exec(String(r.headers.get('set-cookie')))![0];
  const out = await call(srv.url, '/api/auth/logout', {
    method: 'POST',
    headers: { cookie },
  });
  assert.equal(out.status, 200);
  assert.match(String(out.headers.get('set-cookie')), /kb_session=;.*Secure/);

  const plain = await startTestServer();
  t.onTestFinished(() => plain.close());
  const p = await call(plain.url, '/api/accounts', {
    body: { email: 'local@example.com', password: PASSWORD },
    headers: { 'x-forwarded-proto': 'https' },
  });
  assert.equal(p.status, 201);
  assert.doesNotMatch(String(p.headers.get('set-cookie')), /Secure/, 'an http origin (local dev)');
});
