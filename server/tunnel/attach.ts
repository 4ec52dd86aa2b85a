/**
 * Wires the relay into the auth service: the same TRUST_PROXY rules as Fastify, the reverse
 * code from the attempt store the pairing's kind names (login or registration), browser
 * connections only from the RP origins, and the pairing <-> attempt link the options routes
 * ask for and the approve routes read. One call from server/app.ts.
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
    issueReverseCode: (kind, attemptId) =>
      kind === 'sign-in'
        ? context.loginAttempts.issueReverseCode(attemptId)
        : context.registrationAttempts.issueReverseCode(attemptId),
    allowedOrigins: () => context.rpOrigins(),
    logger: context.log,
    ...rest,
    ...(backend ? { store: backend.store, adapter: backend.adapter } : {}),
  });
  context.pairingLink = tunnel.pairingLink;
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
