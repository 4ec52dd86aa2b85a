/**
 * The client address the relay vouches for (desktop IP, same-network check). Forwarded headers
 * are believed only under the TRUST_PROXY rules (server/config.ts, the same setting Fastify
 * uses): off = the socket's peer address; true = the first X-Forwarded-For entry; a comma
 * list of addresses/CIDRs = walk X-Forwarded-For from the right, skipping trusted proxies.
 */
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

export type TrustProxy = boolean | string;

/** "::ffff:127.0.0.1" and "127.0.0.1" are the same client. */
export function normaliseIp(ip: string): string {
  const trimmed = ip.trim().replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(trimmed);
  return (mapped ? mapped[1] : trimmed).toLowerCase();
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => (n << 8) + Number(part), 0) >>> 0;
}

function matches(ip: string, rule: string): boolean {
  const [base, bitsText] = rule.split('/');
  const b = normaliseIp(base);
  if (bitsText === undefined) return ip === b;
  const bits = Number(bitsText);
  if (isIP(ip) === 4 && isIP(b) === 4 && bits >= 0 && bits <= 32) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    return (ipv4ToInt(ip) & mask) === (ipv4ToInt(b) & mask);
  }
  return ip === b; // IPv6 CIDRs: exact base only (keep it simple; list addresses instead)
}

const aliases: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1'],
  linklocal: ['169.254.0.0/16', 'fe80::'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'],
};

export function clientIp(
  req: Pick<IncomingMessage, 'headers' | 'socket'>,
  trustProxy: TrustProxy,
): string {
  const peer = normaliseIp(req.socket.remoteAddress ?? '');
  if (!trustProxy) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((s) => normaliseIp(s))
    .filter((s) => isIP(s) !== 0);
  if (trustProxy === true) return forwarded[0] ?? peer;
  const rules = trustProxy
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean)
    .flatMap((r) => aliases[r] ?? [r]);
  const trusted = (ip: string) => rules.some((r) => matches(ip, r));
  // The chain is [client, proxy1, ..., peer]; stop at the first hop we do not trust.
  const chain = [...forwarded, peer];
  for (let i = chain.length - 1; i > 0; i--) {
    if (!trusted(chain[i])) return chain[i];
  }
  return chain[0];
}
