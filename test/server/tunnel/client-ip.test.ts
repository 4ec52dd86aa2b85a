import assert from 'node:assert/strict';
import { test } from 'vitest';
import { clientIp, normaliseIp } from '../../../server/tunnel/client-ip';

const req = (remoteAddress: string, xff?: string) => ({
  socket: { remoteAddress } as never,
  headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
});

test('IPv4-mapped IPv6 addresses are the same client', () => {
  assert.equal(normaliseIp('::ffff:127.0.0.2'), '127.0.0.2');
  assert.equal(normaliseIp('127.0.0.2'), '127.0.0.2');
  assert.equal(normaliseIp('::1'), '::1');
});

test('TRUST_PROXY off: forwarded headers are ignored', () => {
  assert.equal(clientIp(req('::ffff:10.0.0.5', '1.2.3.4'), false), '10.0.0.5');
});

test('TRUST_PROXY list: the client-written leftmost entry is not believed', () => {
  // TRUST_PROXY=true (believe forwarded[0]) is refused at config parse now.
  assert.equal(clientIp(req('10.0.0.5', '1.2.3.4, 10.0.0.9'), '10.0.0.0/8'), '1.2.3.4');
  assert.equal(clientIp(req('10.0.0.5'), '10.0.0.0/8'), '10.0.0.5');
});

test('TRUST_PROXY list: walk from the right past trusted proxies only', () => {
  // The client can write anything into the left part of the header; only trusted hops count.
  assert.equal(clientIp(req('10.0.0.5', '6.6.6.6, 1.2.3.4'), '10.0.0.0/8'), '1.2.3.4');
  assert.equal(clientIp(req('10.0.0.5', '6.6.6.6, 1.2.3.4, 10.0.0.7'), '10.0.0.0/8'), '1.2.3.4');
  assert.equal(clientIp(req('192.0.2.1', '1.2.3.4'), '10.0.0.0/8'), '192.0.2.1', 'untrusted peer');
  assert.equal(clientIp(req('127.0.0.1', '1.2.3.4'), 'loopback'), '1.2.3.4');
  assert.equal(clientIp(req('10.0.0.5', '1.2.3.4'), '10.0.0.5'), '1.2.3.4');
});
