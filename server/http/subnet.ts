/**
 * The unit every per-client limit counts in: one IPv4 /24 or one IPv6 /64. A single host or
 * provider customer usually holds a whole /64 (and cheap IPv4 ranges come by the /24), so
 * counting per address would let one attacker look like thousands of clients.
 */
import { isIP } from 'node:net';
import { normaliseIp } from './client-address';

/** Eight 16-bit groups of an IPv6 address (with any trailing dotted IPv4 part folded in). */
function ipv6Groups(ip: string): number[] {
  let text = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted[1].split('.').map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => parseInt(g, 16));
}

/**
 * "203.0.113.0/24" for 203.0.113.9 (and for ::ffff:203.0.113.9), "2001:db8:1:2::/64" for any
 * address in that /64. Anything that is not an address is returned as it is.
 */
export function subnetKey(address: string): string {
  const ip = normaliseIp(address).replace(/%.*$/, '');
  const family = isIP(ip);
  if (family === 4) return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  if (family !== 6) return ip;
  // isIP() said IPv6, so there are eight groups.
  const g = ipv6Groups(ip) as [number, number, number, number, number, number, number, number];
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff)
    return `${g[6] >> 8}.${g[6] & 0xff}.${g[7] >> 8}.0/24`;
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}
