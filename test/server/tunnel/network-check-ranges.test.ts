/**
 * Which client addresses count as private or loopback (server/tunnel/network-check.ts), the
 * ranges behind an https phone origin that may be the TLS proxy rather than a client, so that
 * two such clients are never vouched for as "same network" (issue 12). Each range holds its
 * first and last address and not the ones just outside; IPv4-mapped IPv6 follows the IPv4 rule.
 *
 * The module is imported afresh inside every test (`fresh()`), not at the top: the ranges are
 * built when network-check.ts loads, and under a per-module mutation run Stryker activates a
 * mutant only after the test file loaded, so a top-level import would always test the unmutated
 * ranges (scripts/mutation.sh's FRESH_IMPORT_MODULES).
 */
import assert from 'node:assert/strict';
import { test, vi } from 'vitest';
import type * as NetworkCheckModule from '../../../server/tunnel/network-check';

async function fresh(): Promise<typeof NetworkCheckModule> {
  vi.resetModules();
  return import('../../../server/tunnel/network-check');
}

/** Each range: its first and last address, and the addresses just before and just after it. */
const V4_RANGES = [
  {
    range: '10.0.0.0/8',
    first: '10.0.0.0',
    last: '10.255.255.255',
    before: '9.255.255.255',
    after: '11.0.0.0',
  },
  {
    range: '172.16.0.0/12',
    first: '172.16.0.0',
    last: '172.31.255.255',
    before: '172.15.255.255',
    after: '172.32.0.0',
  },
  {
    range: '192.168.0.0/16',
    first: '192.168.0.0',
    last: '192.168.255.255',
    before: '192.167.255.255',
    after: '192.169.0.0',
  },
  {
    range: '127.0.0.0/8',
    first: '127.0.0.0',
    last: '127.255.255.255',
    before: '126.255.255.255',
    after: '128.0.0.0',
  },
  {
    range: '169.254.0.0/16',
    first: '169.254.0.0',
    last: '169.254.255.255',
    before: '169.253.255.255',
    after: '169.255.0.0',
  },
  {
    range: '100.64.0.0/10',
    first: '100.64.0.0',
    last: '100.127.255.255',
    before: '100.63.255.255',
    after: '100.128.0.0',
  },
];
const V6_RANGES = [
  { range: '::1/128', first: '::1', last: '::1', before: '::', after: '::2' },
  {
    range: 'fc00::/7',
    first: 'fc00::',
    last: 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    before: 'fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    after: 'fe00::',
  },
  {
    range: 'fe80::/10',
    first: 'fe80::',
    last: 'febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    before: 'fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    after: 'fec0::',
  },
];

test('every private IPv4 range holds its first and last address, not the ones just outside', async () => {
  const { isPrivateOrLoopback } = await fresh();
  for (const r of V4_RANGES) {
    assert.equal(isPrivateOrLoopback(r.first), true, `${r.range} first ${r.first}`);
    assert.equal(isPrivateOrLoopback(r.last), true, `${r.range} last ${r.last}`);
    assert.equal(isPrivateOrLoopback(r.before), false, `before ${r.range}: ${r.before}`);
    assert.equal(isPrivateOrLoopback(r.after), false, `after ${r.range}: ${r.after}`);
  }
});

test('every private IPv6 range holds its first and last address, not the ones just outside', async () => {
  const { isPrivateOrLoopback } = await fresh();
  for (const r of V6_RANGES) {
    assert.equal(isPrivateOrLoopback(r.first), true, `${r.range} first ${r.first}`);
    assert.equal(isPrivateOrLoopback(r.last), true, `${r.range} last ${r.last}`);
    assert.equal(isPrivateOrLoopback(r.before), false, `before ${r.range}: ${r.before}`);
    assert.equal(isPrivateOrLoopback(r.after), false, `after ${r.range}: ${r.after}`);
  }
});

test('an IPv4-mapped IPv6 address is private exactly when its IPv4 address is', async () => {
  const { isPrivateOrLoopback } = await fresh();
  for (const r of V4_RANGES) {
    for (const ip of [r.first, r.last])
      assert.equal(isPrivateOrLoopback(`::ffff:${ip}`), true, `::ffff:${ip}`);
    for (const ip of [r.before, r.after])
      assert.equal(isPrivateOrLoopback(`::ffff:${ip}`), false, `::ffff:${ip}`);
  }
  assert.equal(isPrivateOrLoopback('::ffff:a00:1'), true, 'hex spelling of 10.0.0.1');
  assert.equal(isPrivateOrLoopback('::ffff:808:808'), false, 'hex spelling of 8.8.8.8');
});

test('public addresses and non-addresses are never private', async () => {
  const { isPrivateOrLoopback } = await fresh();
  for (const ip of ['8.8.8.8', '203.0.113.9', '0.0.0.0', '255.255.255.255', '2001:db8::1', '::'])
    assert.equal(isPrivateOrLoopback(ip), false, ip);
  for (const ip of ['', 'localhost', '10.0.0', '10.0.0.0/8', 'fc00::/7'])
    assert.equal(isPrivateOrLoopback(ip), false, ip);
});

test('behind an https origin without TRUST_PROXY, two clients on a private range are never vouched for', async () => {
  const { createNetworkCheck } = await fresh();
  const tls = createNetworkCheck({ trustProxy: false, rpOrigins: ['https://x.example'] });
  for (const r of [...V4_RANGES, ...V6_RANGES]) {
    assert.equal(tls.sameNetwork(r.first, r.first), false, r.first);
    assert.equal(tls.sameNetwork(r.last, r.last), false, r.last);
  }
  assert.equal(tls.sameNetwork('203.0.113.9', '203.0.113.9'), true, 'a public peer is a client');
});
