/**
 * The relay's rules for "same network" and its abuse limits (server/tunnel/network-check.ts,
 * server/tunnel/limits.ts), issue 12: the private and loopback ranges that may hide a TLS
 * proxy are exactly RFC 1918, loopback, link-local, CGNAT and their IPv6 kin; the check fails
 * closed; and the event bucket and lifetimes are the ones docs/architecture.md states.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { TokenBucket, defaultTunnelLimits } from '../../../server/tunnel/limits';
import {
  createNetworkCheck,
  isPrivateOrLoopback,
  networkCheckWarning,
} from '../../../server/tunnel/network-check';
import { MAX_MESSAGE_CHARS } from '../../../server/protocol/tunnel';

test('private or loopback: exactly the listed ranges, edge to edge', () => {
  const inside = [
    '10.0.0.0',
    '10.255.255.255',
    '172.16.0.0',
    '172.31.255.255',
    '192.168.0.0',
    '192.168.255.255',
    '127.0.0.1',
    '127.255.255.255',
    '169.254.0.0',
    '169.254.255.255',
    '100.64.0.0',
    '100.127.255.255',
    '::1',
    'fc00::',
    'fdff:ffff::1',
    'fe80::',
    'febf::1',
  ];
  const outside = [
    '9.255.255.255',
    '11.0.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.167.255.255',
    '192.169.0.0',
    '128.0.0.0',
    '126.255.255.255',
    '169.253.255.255',
    '169.255.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '8.8.8.8',
    '::2',
    '::',
    'fbff::1',
    'fe00::1',
    'fec0::1',
    '2001:db8::1',
    '',
    'localhost',
    'not an ip',
  ];
  for (const ip of inside) assert.equal(isPrivateOrLoopback(ip), true, ip);
  for (const ip of outside) assert.equal(isPrivateOrLoopback(ip), false, ip);
});

test('same network only for one distinct address; fails closed otherwise', () => {
  const plain = createNetworkCheck({ trustProxy: false, rpOrigins: null });
  assert.equal(plain.sameNetwork('203.0.113.9', '203.0.113.9'), true);
  assert.equal(plain.sameNetwork('10.0.0.5', '10.0.0.5'), true, 'http: no proxy to guess at');
  assert.equal(plain.sameNetwork('203.0.113.9', '203.0.113.10'), false);
  assert.equal(plain.sameNetwork('', ''), false, 'no address is no evidence');
  assert.equal(plain.alwaysAskCode, false);

  const httpOrigin = createNetworkCheck({ trustProxy: false, rpOrigins: ['http://x.localhost'] });
  assert.equal(httpOrigin.sameNetwork('10.0.0.5', '10.0.0.5'), true);
  const tls = createNetworkCheck({ trustProxy: false, rpOrigins: ['https://x.example'] });
  assert.equal(tls.sameNetwork('10.0.0.5', '10.0.0.5'), false, 'maybe the TLS proxy');
  assert.equal(tls.sameNetwork('203.0.113.9', '203.0.113.9'), true);
  // Only the first origin (the phone's) decides.
  const second = createNetworkCheck({
    trustProxy: false,
    rpOrigins: ['http://x.localhost', 'https://x.example'],
  });
  assert.equal(second.sameNetwork('10.0.0.5', '10.0.0.5'), true);

  const listed = createNetworkCheck({ trustProxy: '10.0.0.1', rpOrigins: ['https://x.example'] });
  assert.equal(listed.sameNetwork('10.0.0.1', '10.0.0.1'), false, 'the proxy names no client');
  assert.equal(listed.sameNetwork('10.0.0.2', '10.0.0.2'), true, 'a LAN client named by it');
  const httpListed = createNetworkCheck({ trustProxy: 'loopback', rpOrigins: null });
  assert.equal(httpListed.sameNetwork('127.0.0.1', '127.0.0.1'), false);
  assert.equal(httpListed.sameNetwork('192.168.1.2', '192.168.1.2'), true);
});

test('REVERSE_CODE=always asks the code without claiming different networks', () => {
  const always = createNetworkCheck({ trustProxy: false, rpOrigins: null, reverseCode: 'always' });
  assert.equal(always.alwaysAskCode, true);
  assert.equal(always.sameNetwork('203.0.113.9', '203.0.113.9'), true);
  const usual = createNetworkCheck({
    trustProxy: false,
    rpOrigins: null,
    reverseCode: 'different-network',
  });
  assert.equal(usual.alwaysAskCode, false);
});

test('the start-up warning: only for an https phone origin without TRUST_PROXY', () => {
  assert.equal(networkCheckWarning({ trustProxy: false, rpOrigins: null }), null);
  assert.equal(networkCheckWarning({ trustProxy: false, rpOrigins: ['http://x.localhost'] }), null);
  assert.equal(
    networkCheckWarning({ trustProxy: '10.0.0.1', rpOrigins: ['https://x.example'] }),
    null,
  );
  const warning = networkCheckWarning({ trustProxy: false, rpOrigins: ['https://x.example'] });
  assert.match(warning ?? '', /TRUST_PROXY is unset/);
  assert.match(warning ?? '', /always ask for the reverse code/);
});

test('the event bucket: a burst, then the sustained rate, never more than the burst saved up', () => {
  let now = 0;
  const bucket = new TokenBucket(2, 3, () => now);
  assert.deepEqual(
    [bucket.take(), bucket.take(), bucket.take(), bucket.take()],
    [true, true, true, false],
  );
  now += 499;
  assert.equal(bucket.take(), false, 'not yet a whole token');
  now += 1;
  assert.equal(bucket.take(), true, 'two per second: one every 500 ms');
  assert.equal(bucket.take(), false);
  now += 3_600_000;
  assert.deepEqual(
    [bucket.take(), bucket.take(), bucket.take(), bucket.take()],
    [true, true, true, false],
  );
});

test('relay limits are the documented ones', () => {
  assert.deepEqual(defaultTunnelLimits, {
    unscannedMs: 60_000,
    scannedMs: 120_000,
    maxMessageChars: MAX_MESSAGE_CHARS,
    eventsPerSecond: 10,
    eventBurst: 20,
    maxPairingsPerDesktop: 4,
    maxPairingsPerIp: 200,
    maxOpenPairings: 20_000,
    tombstoneMs: 600_000,
  });
  assert.equal(MAX_MESSAGE_CHARS, 16 * 1024);
});
