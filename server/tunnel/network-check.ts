/**
 * Decides what the relay tells both sides as `sameNetwork` (server/tunnel/relay.ts), which in
 * turn decides whether the phone must ask for the reverse code. It fails closed: whenever the
 * server cannot tell clients apart, it says "different networks", so the code is asked.
 *
 * The server cannot tell clients apart when
 *  (a) the phone origin is https but TRUST_PROXY is unset and the address is private or
 *      loopback: this server speaks plain http, so an https origin means a TLS proxy is in
 *      front, and every client then carries the proxy's address;
 *  (b) the address is itself a trusted proxy: the proxy sent no X-Forwarded-For, so the
 *      address names the proxy, not a client.
 * REVERSE_CODE=always turns the check off entirely: never "same network".
 */
import { BlockList, isIP } from 'node:net';
import type { Config } from '../config';
import { isTrustedProxy, trustFunction } from '../http/client-address';

export type NetworkCheckConfig = Pick<Config, 'trustProxy' | 'reverseCode' | 'rpOrigins'>;

// Typed, not `as const`: Stryker 9.6 never mutates code under a TypeScript `as` expression, so
// a wrong or missing range would have no mutant (test/server/tunnel/network-check-ranges.test.ts
// imports this module afresh to see these module-level mutants).
const privateV4: [string, number][] = [
  ['10.0.0.0', 8],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['100.64.0.0', 10],
];
const privateV6: [string, number][] = [
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
];
const privateRanges = new BlockList();
for (const [net, bits] of privateV4) privateRanges.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of privateV6) privateRanges.addSubnet(net, bits, 'ipv6');

export function isPrivateOrLoopback(ip: string): boolean {
  const family = isIP(ip);
  if (family === 0) return false;
  return privateRanges.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/** An https phone origin, and nothing says which hop is the proxy. */
function proxiedWithoutTrust(config: NetworkCheckConfig): boolean {
  const httpsOrigin = config.rpOrigins?.[0]?.startsWith('https:') ?? false;
  return httpsOrigin && !config.trustProxy;
}

export function createNetworkCheck(config: NetworkCheckConfig) {
  const trust = trustFunction(config.trustProxy);
  const guessingProxy = proxiedWithoutTrust(config);
  /** True when this address may stand for many clients at once. */
  const indistinct = (ip: string) =>
    ip === '' ||
    (guessingProxy && isPrivateOrLoopback(ip)) ||
    (config.trustProxy !== false && isTrustedProxy(ip, trust));
  return {
    /** What the phone and the desktop are told: can the server vouch for one network? */
    sameNetwork(desktopIp: string, phoneIp: string): boolean {
      return desktopIp === phoneIp && !indistinct(desktopIp);
    },
    /**
     * REVERSE_CODE=always: the code is asked on one network too. Kept apart from sameNetwork
     * so the phone does not warn about "different networks" it has no evidence of.
     */
    alwaysAskCode: config.reverseCode === 'always',
  };
}

/** The one start-up warning (server/app.ts) when clients may be indistinguishable; else null. */
export function networkCheckWarning(config: NetworkCheckConfig): string | null {
  if (!proxiedWithoutTrust(config)) return null;
  return (
    'The phone origin is https but TRUST_PROXY is unset: behind a TLS proxy every client has ' +
    "the proxy's address. Clients from private or loopback addresses are treated as being on " +
    'different networks (QR sign-ins always ask for the reverse code) and share one rate-limit ' +
    "bucket. Set TRUST_PROXY to the proxy's address."
  );
}
