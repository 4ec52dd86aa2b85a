/**
 * Floods from many addresses in a few subnets cannot fill the global caps any more: open
 * pairings and live sign-in attempts are capped per /24 (server/http/subnet.ts), far below
 * the global caps, so a client on another subnet still gets a QR code, passkey options, and
 * signs in. The global caps are lowered here (500 pairings, 150 attempts) so the flood stays
 * small; the per-subnet caps are the defaults.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { MemoryLoginAttemptStore } from '../../server/passkeys/attempt-stores';
import { defaultTunnelLimits } from '../../server/tunnel/limits';
import { defaultRateLimits } from '../../server/config';
import type { AuthenticationOptionsJSON } from '../../server/protocol/api';
import { ManualClock } from '../../server/util/clock';
import { startTestServer } from '../support/server';
import { accountWithPasskey } from './support/passkey-account';
import { relayClient, type RelayClient } from './support/net-clients';
import { call } from '../support/http';

test('subnet keys: IPv4 /24, IPv6 /64, IPv4-mapped IPv6 as IPv4', async () => {
  const { subnetKey } = await import('../../server/http/subnet');
  assert.equal(subnetKey('203.0.113.9'), '203.0.113.0/24');
  assert.equal(subnetKey('203.0.113.250'), subnetKey('203.0.113.1'));
  assert.notEqual(subnetKey('203.0.114.1'), subnetKey('203.0.113.1'));
  assert.equal(subnetKey('::ffff:203.0.113.9'), '203.0.113.0/24');
  assert.equal(subnetKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
  assert.equal(subnetKey('2001:db8:1:2::1'), subnetKey('2001:DB8:1:2:ffff::'));
  assert.notEqual(subnetKey('2001:db8:1:3::1'), subnetKey('2001:db8:1:2::1'));
  assert.equal(subnetKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
});

test('the per-subnet caps sit far below the global ones', () => {
  assert.equal(defaultTunnelLimits.maxPairingsPerIp, 200);
  assert.ok(defaultTunnelLimits.maxPairingsPerIp * 100 <= defaultTunnelLimits.maxOpenPairings);
  // Live attempts per subnet: at most (lifetime / window + 1) windows' worth of options.
  const rule = defaultRateLimits.passkeyOptionsPerIp!;
  const liveBound = rule.max * (Math.ceil(180 / rule.windowSeconds) + 1);
  assert.ok(liveBound <= 250, String(liveBound));
});

test('a pairing and attempt flood from two /24s leaves room for everyone else', async (t) => {
  const clock = new ManualClock();
  const srv = await startTestServer({
    clock,
    // Fewer sockets: each may hold 40 pairings and ask for them in one burst.
    tunnel: { limits: { maxPairingsPerDesktop: 40, eventBurst: 50, maxOpenPairings: 500 } },
    seams: { loginAttempts: new MemoryLoginAttemptStore(clock, { maxLive: 150 }) },
  });
  t.onTestFinished(() => srv.close());
  const { auth } = await accountWithPasskey(srv.url, srv.phoneOrigin, 'honest@example.com');

  // Relay: 4 addresses in each of 127.0.1.0/24 and 127.0.2.0/24, two sockets each, asking
  // for 40 pairings per socket: 640 wanted, more than the global 500.
  const attackers: RelayClient[] = [];
  t.onTestFinished(() => attackers.forEach((a) => a.close()));
  const refusals = new Map<string, number>();
  let held = 0;
  for (const net of [1, 2]) {
    for (let host = 1; host <= 4; host++) {
      for (let s = 0; s < 2; s++) {
        const a = await relayClient(srv.url, { localAddress: `127.0.${net}.${host}` });
        attackers.push(a);
        for (let i = 0; i < 40; i++) {
          const r = await a.create();
          if (r.ok) held++;
          else refusals.set(r.error.message, (refusals.get(r.error.message) ?? 0) + 1);
        }
      }
    }
  }
  assert.equal(held, 400, 'each /24 holds its 200');
  assert.deepEqual([...refusals.keys()], ['The server is busy. Try again in a moment.']);

  // Attempts: three addresses in each of the two /24s ask 60 times each.
  const statuses = new Map<number, number>();
  for (const net of [1, 2]) {
    for (let host = 1; host <= 3; host++) {
      for (let i = 0; i < 60; i++) {
        const r = await call(srv.url, '/api/auth/passkey/options', {
          body: {},
          localAddress: `127.0.${net}.${host}`,
        });
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      }
    }
  }
  assert.equal(statuses.get(200), 120, 'each /24 gets its 60 a minute');
  assert.equal(statuses.get(429), 240);
  assert.equal(statuses.get(503), undefined, 'the store never filled');

  // The honest user on 127.0.9.0/24 gets a QR code, passkey options and is signed in.
  const desktop = await relayClient(srv.url, { localAddress: '127.0.9.9' });
  const phone = await relayClient(srv.url, { localAddress: '127.0.9.9' });
  t.onTestFinished(() => {
    desktop.close();
    phone.close();
  });
  const created = await desktop.create();
  assert.ok(created.ok, JSON.stringify(created));
  const o = await call(srv.url, '/api/auth/passkey/options', {
    body: { pairingId: created.pairingId },
    localAddress: '127.0.9.9',
  });
  assert.equal(o.status, 200, JSON.stringify(o.body));
  const joined = await phone.join(created.pairingId);
  assert.ok(joined.ok);
  // The phone posts its assertion to the server, the desktop redeems (docs/security.md).
  const approved = await call(srv.url, '/api/auth/passkey/approve', {
    body: {
      pairingId: created.pairingId,
      response: auth.assert(o.body.options as AuthenticationOptionsJSON),
    },
    localAddress: '127.0.9.9',
  });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  const signedIn = await call(srv.url, '/api/auth/passkey/redeem', {
    body: { attemptId: o.body.attemptId, client: 'desktop' },
    localAddress: '127.0.9.9',
  });
  assert.equal(signedIn.status, 200, JSON.stringify(signedIn.body));
});

test('an attempt not linked to a QR pairing lives 90 s; a linked one 3 minutes', async (t) => {
  const clock = new ManualClock();
  const srv = await startTestServer({ clock });
  t.onTestFinished(() => srv.close());
  const desktop = await relayClient(srv.url);
  t.onTestFinished(() => desktop.close());
  const created = await desktop.create();
  assert.ok(created.ok);
  const linked = await call(srv.url, '/api/auth/passkey/options', {
    body: { pairingId: created.pairingId },
  });
  const plain = await call(srv.url, '/api/auth/passkey/options', { body: {} });
  const expiry = async (r: typeof plain) =>
    (await srv.context.loginAttempts.get(r.body.attemptId as string))!.expiresAt - clock.now();
  const plainLeft = await expiry(plain);
  const linkedLeft = await expiry(linked);
  assert.ok(plainLeft > 85_000 && plainLeft <= 90_000, String(plainLeft));
  assert.ok(linkedLeft > 175_000 && linkedLeft <= 180_000, String(linkedLeft));
});
