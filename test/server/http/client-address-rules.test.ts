/**
 * The proxy trust rule (server/http/client-address.ts) and the per-client counting unit
 * (server/http/subnet.ts), asserted as rules (issue 12): an exact-address TRUST_PROXY entry
 * trusts that one hop, never the client-written left part of X-Forwarded-For; a /24 entry
 * does not trust its /8; an IPv4 list trusts no IPv6 peer; the aliases loopback, linklocal and
 * uniquelocal hold exactly their ranges; and a /24 or /64 is one client.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import {
  clientAddress,
  isTrustedProxy,
  normaliseIp,
  parseTrustProxy,
  trustFunction,
} from '../../../server/http/client-address';
import { subnetKey } from '../../../server/http/subnet';

const req = (remoteAddress: string | undefined, xff?: string) => ({
  socket: { remoteAddress } as never,
  headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
});

/** The client a request from `peer` names under TRUST_PROXY=`setting`. */
const client = (setting: string, peer: string, xff: string) =>
  clientAddress(req(peer, xff), trustFunction(parseTrustProxy(setting)));

/** Whether `address` counts as a trusted proxy under TRUST_PROXY=`setting`. */
const trusted = (setting: string, address: string) =>
  isTrustedProxy(address, trustFunction(parseTrustProxy(setting)));

test('an exact-address rule trusts that hop only, not the hops the client wrote', () => {
  // Client 203.0.113.7 wrote 6.6.6.6 and 10.0.0.1 itself; the proxy 10.0.0.1 appended it.
  assert.equal(client('10.0.0.1', '10.0.0.1', '6.6.6.6, 10.0.0.1, 203.0.113.7'), '203.0.113.7');
  assert.equal(client('10.0.0.1', '10.0.0.1', '6.6.6.6, 203.0.113.7'), '203.0.113.7');
  // Its neighbour is not the proxy: a direct client, whatever it writes.
  assert.equal(client('10.0.0.1', '10.0.0.2', '6.6.6.6'), '10.0.0.2');
  assert.equal(trusted('10.0.0.1', '10.0.0.2'), false);
  assert.equal(trusted('10.0.0.1', '10.0.0.1'), true);
});

test('a /24 rule trusts its /24 and not the /16 or /8 around it', () => {
  const rule = '10.1.2.0/24';
  assert.equal(client(rule, '10.1.2.200', '203.0.113.7'), '203.0.113.7');
  for (const outside of ['10.1.3.1', '10.2.2.1', '10.200.0.1', '11.1.2.1']) {
    assert.equal(client(rule, outside, '203.0.113.7'), outside, outside);
  }
  // A chain through two proxies of the /24: both skipped, the client found.
  assert.equal(client(rule, '10.1.2.1', '6.6.6.6, 203.0.113.7, 10.1.2.2'), '203.0.113.7');
});

test('IPv4 rules trust no IPv6 peer, and IPv6 rules only their prefix', () => {
  assert.equal(client('10.0.0.0/8', '2001:db8::1', '203.0.113.7'), '2001:db8::1');
  assert.equal(client('10.0.0.0/8, 127.0.0.1', '::1', '203.0.113.7'), '::1');
  // An IPv4-mapped peer is the IPv4 address.
  assert.equal(client('10.0.0.0/8', '::ffff:10.0.0.5', '203.0.113.7'), '203.0.113.7');
  const v6 = '2001:db8:aa::/48';
  assert.equal(client(v6, '2001:db8:aa:1::9', '2001:db8:ff::7'), '2001:db8:ff::7');
  assert.equal(client(v6, '2001:db8:ab::9', '2001:db8:ff::7'), '2001:db8:ab::9');
  assert.equal(client(v6, '10.0.0.1', '2001:db8:ff::7'), '10.0.0.1');
});

test('loopback is 127.0.0.0/8 and ::1, nothing else', () => {
  for (const a of ['127.0.0.1', '127.255.0.9', '::1'])
    assert.equal(trusted('loopback', a), true, a);
  for (const a of ['128.0.0.1', '10.0.0.1', '169.254.0.1', '::2', 'fe80::1', 'fd00::1']) {
    assert.equal(trusted('loopback', a), false, a);
  }
});

test('linklocal is 169.254.0.0/16 and fe80::/10, nothing else', () => {
  for (const a of ['169.254.0.1', '169.254.255.254', 'fe80::1', 'febf::1']) {
    assert.equal(trusted('linklocal', a), true, a);
  }
  for (const a of ['169.253.0.1', '169.255.0.1', '127.0.0.1', '10.0.0.1', 'fec0::1', '::1']) {
    assert.equal(trusted('linklocal', a), false, a);
  }
});

test('uniquelocal is 10/8, 172.16/12, 192.168/16 and fc00::/7, nothing else', () => {
  const inside = ['10.0.0.1', '10.255.0.1', '172.16.0.1', '172.31.255.1', '192.168.0.1'];
  for (const a of [...inside, 'fc00::1', 'fdff::1'])
    assert.equal(trusted('uniquelocal', a), true, a);
  const outside = ['11.0.0.1', '172.15.0.1', '172.32.0.1', '192.169.0.1', '127.0.0.1'];
  for (const a of [...outside, '169.254.0.1', 'fe80::1', 'fe00::1', '::1', '2001:db8::1']) {
    assert.equal(trusted('uniquelocal', a), false, a);
  }
});

test('TRUST_PROXY parsing: off spellings, a list, and refusals that name the setting', () => {
  for (const off of [undefined, '', '  ', '0', 'false', 'off', ' , ']) {
    assert.equal(parseTrustProxy(off), false, JSON.stringify(off));
  }
  assert.equal(parseTrustProxy(' 10.0.0.1 , loopback ,'), '10.0.0.1,loopback');
  for (const any of ['true', 'TRUE', 'on', 'yes', '1', '2', '10', '255']) {
    assert.throws(() => parseTrustProxy(any), /would believe X-Forwarded-For from any peer/, any);
  }
  assert.throws(() => parseTrustProxy('10.0.0.0/33'), /TRUST_PROXY="10.0.0.0\/33" is not valid/);
  assert.throws(() => parseTrustProxy('nearby'), /is not valid.*TRUST_PROXY lists/);
  // The library's own reason rides along as the cause, for whoever debugs the setting.
  assert.throws(
    () => parseTrustProxy('nearby'),
    (err: Error) => err.cause instanceof Error && err.message.includes(err.cause.message),
  );
  // Off trusts nobody; one setting compiles to one function (Fastify and the relay share it).
  assert.equal(trustFunction(false)('127.0.0.1', 0), false);
  assert.equal(trustFunction('10.0.0.1'), trustFunction('10.0.0.1'));
  assert.equal(
    isTrustedProxy('', () => true),
    false,
    'no address is no proxy',
  );
});

test('a request without a peer address has no client address; addresses are normalised', () => {
  assert.equal(
    clientAddress(req(undefined, '1.2.3.4'), () => true),
    '',
  );
  assert.equal(normaliseIp(' [::1] '), '::1');
  assert.equal(normaliseIp('::FFFF:10.0.0.1'), '10.0.0.1');
  assert.equal(normaliseIp('FE80::1'), 'fe80::1');
  assert.equal(normaliseIp('::ffff:abcd'), '::ffff:abcd', 'only a dotted IPv4 part is unmapped');
  assert.equal(normaliseIp('::ffff:198.51.100.77'), '198.51.100.77');
  // Only the mapped prefix itself: another IPv6 address ending in ffff:a.b.c.d stays IPv6.
  assert.equal(normaliseIp('2001:db8::ffff:192.0.2.1'), '2001:db8::ffff:192.0.2.1');
  assert.equal(client('127.0.0.1', '127.0.0.1', 'FE80::AB'), 'fe80::ab');
});

test('one IPv4 /24 and one IPv6 /64 are one client, in every spelling', () => {
  assert.equal(subnetKey('198.51.100.7'), '198.51.100.0/24');
  assert.equal(subnetKey('::ffff:198.51.100.7'), '198.51.100.0/24');
  assert.equal(subnetKey('::ffff:c633:6407'), '198.51.100.0/24', 'hex-mapped IPv4');
  // The long spelling of a mapped address is the same client as its IPv4 address.
  assert.equal(subnetKey('0:0:0:0:0:ffff:198.51.100.7'), '198.51.100.0/24');
  assert.equal(subnetKey('0:0:0:0:0:FFFF:198.51.100.250'), '198.51.100.0/24');
  assert.equal(subnetKey('1:0:0:0:0:ffff:198.51.100.7'), '1:0:0:0::/64', 'not the mapped prefix');
  assert.equal(subnetKey('[2001:DB8:1:2::9]'), '2001:db8:1:2::/64');
  assert.equal(subnetKey('2001:db8:1:2:ffff:ffff:ffff:ffff'), '2001:db8:1:2::/64');
  assert.equal(subnetKey('2001:db8:1:3::1'), '2001:db8:1:3::/64');
  assert.equal(subnetKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(subnetKey('::1'), '0:0:0:0::/64');
  assert.equal(subnetKey('fe80::1%eth0'), 'fe80:0:0:0::/64', 'zone id ignored');
  assert.equal(subnetKey('64:ff9b::198.51.100.7'), '64:ff9b:0:0::/64', 'not the mapped prefix');
  assert.equal(subnetKey('::198.51.100.7'), '0:0:0:0::/64', 'IPv4-compatible is not mapped');
  assert.equal(subnetKey('1:2:3:4:5:6:198.51.100.7'), '1:2:3:4::/64');
  // '::' stands for exactly the groups that are missing, wherever it sits.
  assert.equal(subnetKey('1::2:3:4:5:6:7'), '1:0:2:3::/64');
  assert.equal(subnetKey('1:2:3::4:5:6:7'), '1:2:3:0::/64');
  assert.equal(subnetKey('1:2::3:4:5'), '1:2:0:0::/64');
  assert.equal(subnetKey('not an address'), 'not an address');
});
