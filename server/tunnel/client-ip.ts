/**
 * The relay's client address: the same rule and the same compiled trust function as Fastify's
 * request.ip (server/http/client-address.ts), applied to the socket.io handshake request.
 */
import type { IncomingMessage } from 'node:http';
import { clientAddress, trustFunction, type TrustProxySetting } from '../http/client-address';

export { normaliseIp } from '../http/client-address';
export type TrustProxy = TrustProxySetting;

export function clientIp(
  req: Pick<IncomingMessage, 'headers' | 'socket'>,
  trustProxy: TrustProxy,
): string {
  return clientAddress(req, trustFunction(trustProxy));
}
