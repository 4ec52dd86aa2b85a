/**
 * Wires the relay into the auth service: the same TRUST_PROXY rules as Fastify, the reverse
 * code from the login-attempt store, browser connections only from the RP origins, and the
 * pairing <-> attempt link the passkey options route asks for. One call from server/app.ts.
 */
import type { Server as HttpServer } from 'node:http';
import type { ServerContext } from '../context';
import { attachTunnel, type Tunnel, type TunnelOptions } from './relay';

/** What a caller (tests, a scaled deployment) may add: shorter lifetimes, an observer, a store. */
export type TunnelAttachOptions = Pick<TunnelOptions, 'limits' | 'observer' | 'store'>;

export function attachTunnelToServer(
  httpServer: HttpServer,
  context: ServerContext,
  options: TunnelAttachOptions = {},
): Tunnel {
  const tunnel = attachTunnel(httpServer, {
    trustProxy: context.config.trustProxy,
    issueReverseCode: (attemptId) => context.loginAttempts.issueReverseCode(attemptId),
    allowedOrigins: () => context.rpOrigins(),
    logger: context.log,
    ...options,
  });
  context.pairingLink = {
    // The challenge lets the phone check it signs the attempt this pairing is bound to.
    linkAttempt: (pairingId, attemptId) =>
      tunnel.pairingLink.linkAttempt(
        pairingId,
        attemptId,
        context.loginAttempts.get(attemptId)?.challenge,
      ),
  };
  return tunnel;
}
