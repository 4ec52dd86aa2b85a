/**
 * The one rule for "which client sent this": Fastify's request.ip (server/app.ts passes
 * trustFunction() as trustProxy) and the relay's socket handshake (server/tunnel/client-ip.ts)
 * both resolve the address with @fastify/proxy-addr and the same compiled trust function, so
 * HTTP rate limits, the sessions list and the QR same-network check always agree.
 *
 * TRUST_PROXY lists the reverse proxies whose X-Forwarded-For is believed: addresses, CIDRs
 * (IPv4 and IPv6) and the aliases loopback, linklocal, uniquelocal. The chain is walked from
 * the right and the first untrusted hop is the client, so whatever a client writes into the
 * left of the header is ignored. A bare "true" (or a hop count) is refused: it would trust any
 * peer, including a client that reaches the server without the proxy.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from '@fastify/proxy-addr';

/** TRUST_PROXY as configured: false, or a comma list of addresses/CIDRs/aliases. */
export type TrustProxySetting = false | string;
export type TrustFunction = (address: string, hop: number) => boolean;

const trustNone: TrustFunction = () => false;
const compiled = new Map<string, TrustFunction>();

export const TRUST_PROXY_HELP =
  'TRUST_PROXY lists the reverse proxies in front of this server: addresses, CIDRs or the ' +
  'aliases loopback, linklocal, uniquelocal (e.g. TRUST_PROXY=127.0.0.1 or ' +
  'TRUST_PROXY=loopback,10.0.0.0/8). Leave it unset when clients connect directly.';

function entries(setting: string): string[] {
  return setting
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Validates TRUST_PROXY (server/config.ts): throws with a clear message for anything unusable. */
export function parseTrustProxy(raw: string | undefined): TrustProxySetting {
  const value = raw?.trim() ?? '';
  if (value === '' || value === '0' || value === 'false' || value === 'off') return false;
  if (/^(true|on|yes|\d+)$/i.test(value))
    throw new Error(
      `TRUST_PROXY=${value} is not accepted: it would believe X-Forwarded-For from any peer, ` +
        `so a client could choose its own address. ${TRUST_PROXY_HELP}`,
    );
  const list = entries(value);
  if (list.length === 0) return false;
  try {
    proxyAddr.compile(list);
  } catch (err) {
    throw new Error(
      `TRUST_PROXY="${value}" is not valid (${(err as Error).message}). ${TRUST_PROXY_HELP}`,
      { cause: err },
    );
  }
  return list.join(',');
}

/**
 * The compiled trust function for a setting. Memoised, so Fastify and the relay hold the very
 * same function for one configuration.
 */
export function trustFunction(setting: TrustProxySetting): TrustFunction {
  if (!setting) return trustNone;
  let fn = compiled.get(setting);
  if (!fn) {
    fn = proxyAddr.compile(entries(setting));
    compiled.set(setting, fn);
  }
  return fn;
}

/** "::ffff:127.0.0.1" and "127.0.0.1" are the same client; brackets and case do not matter. */
export function normaliseIp(ip: string): string {
  const trimmed = ip.trim().replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return (mapped?.[1] ?? trimmed).toLowerCase();
}

/** The client address of a request under the trust rule (rightmost untrusted hop). */
export function clientAddress(
  req: Pick<IncomingMessage, 'headers' | 'socket'>,
  trust: TrustFunction,
): string {
  if (!req.socket.remoteAddress) return '';
  const chain = proxyAddr.all(req as IncomingMessage, trust);
  return normaliseIp(chain[chain.length - 1] ?? '');
}

/** True when `address` is itself one of the trusted proxies (so it names no client). */
export function isTrustedProxy(address: string, trust: TrustFunction): boolean {
  return address !== '' && trust(address, 0);
}
