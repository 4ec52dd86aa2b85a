/**
 * Wires the relay into the auth service: the same TRUST_PROXY rules as Fastify, the reverse
 * code from the login-attempt store, browser connections only from the RP origins, and the
 * pairing <-> attempt link the passkey options route asks for. One call from server/app.ts.
 *
 * With REDIS_URL set (config.redisUrl, or `redisUrl` here), pairings live in Redis and
 * socket.io uses the Redis adapter, so several server processes form one relay; /readyz then
 * checks Redis too.
 */
import type { Server as HttpServer } from 'node:http';
import type { ServerContext } from '../context';
import { defaultTunnelLimits } from './limits';
import { createNetworkCheck } from './network-check';
import { createRedisTunnelBackend } from './redis-backend';
import { attachTunnel, type Tunnel, type TunnelOptions } from './relay';

/** What a caller (tests, a scaled deployment) may add: shorter lifetimes, an observer, a store. */
export type TunnelAttachOptions = Pick<TunnelOptions, 'limits' | 'observer' | 'store'> & {
  /** redis://… ; defaults to config.redisUrl (REDIS_URL). */
  redisUrl?: string;
  /** Key prefix in Redis (tests share one server). */
  redisPrefix?: string;
};

export function attachTunnelToServer(
  httpServer: HttpServer,
  context: ServerContext,
  options: TunnelAttachOptions = {},
): Tunnel {
  const { redisUrl = context.config.redisUrl, redisPrefix, ...rest } = options;
  const backend =
    redisUrl && !rest.store
      ? createRedisTunnelBackend(redisUrl, {
          tombstoneMs: rest.limits?.tombstoneMs ?? defaultTunnelLimits.tombstoneMs,
          prefix: redisPrefix,
          logger: context.log,
        })
      : null;
  const tunnel = attachTunnel(httpServer, {
    trustProxy: context.config.trustProxy,
    sameNetwork: createNetworkCheck(context.config).sameNetwork,
    issueReverseCode: (attemptId) => context.loginAttempts.issueReverseCode(attemptId),
    allowedOrigins: () => context.rpOrigins(),
    logger: context.log,
    ...rest,
    ...(backend ? { store: backend.store, adapter: backend.adapter } : {}),
  });
  context.pairingLink = {
    // The challenge lets the phone check it signs the attempt this pairing is bound to.
    linkAttempt: async (pairingId, attemptId) =>
      tunnel.pairingLink.linkAttempt(
        pairingId,
        attemptId,
        (await context.loginAttempts.get(attemptId))?.challenge,
      ),
  };
  if (!backend) return tunnel;
  context.readyChecks.redis = () => backend.ready();
  return {
    ...tunnel,
    async close() {
      await tunnel.close();
      await backend.close();
    },
  };
}
