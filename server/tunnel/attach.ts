/**
 * Wires the relay into the auth service: the same TRUST_PROXY rules as Fastify, browser
 * connections only from the RP origins, and the one attempt <-> pairing link
 * (server/tunnel/attempt-link.ts) that the composition root built, over the same pairing
 * store. One call from server/app.ts.
 *
 * With Redis (the server's Redis root, server/scale/redis-state.ts) pairings live in Redis and
 * socket.io uses the Redis adapter, so several server processes form one relay.
 */
import type { Server as HttpServer } from 'node:http';
import type { ServerParts } from '../composition-root';
import type { RedisState } from '../scale/redis-state';
import { createNetworkCheck } from './network-check';
import { MemoryPairingStore, type PairingStore } from './pairing-store';
import { attachTunnel, type Tunnel, type TunnelOptions } from './relay';
import { defaultTunnelLimits } from './limits';

/** What a caller (tests, a scaled deployment) may add: shorter lifetimes, an observer, a store. */
export type TunnelAttachOptions = Pick<TunnelOptions, 'limits' | 'observer' | 'store'> & {
  /** redis://… ; defaults to config.redisUrl (REDIS_URL). Read by server/app.ts. */
  redisUrl?: string;
  /** Key prefix in Redis (tests share one server). Read by server/app.ts. */
  redisPrefix?: string;
};

/** The relay's pairing store: Redis when the server has a Redis root, else in memory. */
export function pairingStoreFor(
  shared: RedisState | null,
  options: TunnelAttachOptions = {},
): PairingStore {
  if (options.store) return options.store;
  if (shared) return shared.tunnel.store;
  const tombstoneMs = options.limits?.tombstoneMs ?? defaultTunnelLimits.tombstoneMs;
  return new MemoryPairingStore({ tombstoneMs, maxTombstones: 50_000, now: Date.now });
}

/** The relay's two network settings, from one check (server/tunnel/network-check.ts). */
function networkCheckOptions(config: ServerParts['config']) {
  const check = createNetworkCheck(config);
  return { sameNetwork: check.sameNetwork, alwaysAskCode: check.alwaysAskCode };
}

/** The parts of the server attachTunnelToServer uses; server/app.ts hands over exactly these. */
export const tunnelUses = [
  'config',
  'log',
  'pairingLink',
  'rpOrigins',
] as const satisfies readonly (keyof ServerParts)[];
export type TunnelDeps = Pick<ServerParts, (typeof tunnelUses)[number]>;

export function attachTunnelToServer(
  httpServer: HttpServer,
  deps: TunnelDeps,
  parts: { store: PairingStore; shared: RedisState | null },
  options: TunnelAttachOptions = {},
): Tunnel {
  const { redisUrl: _url, redisPrefix: _prefix, store: _store, ...rest } = options;
  return attachTunnel(httpServer, {
    trustProxy: deps.config.trustProxy,
    ...networkCheckOptions(deps.config),
    allowedOrigins: () => deps.rpOrigins(),
    logger: deps.log,
    ...rest,
    store: parts.store,
    link: deps.pairingLink,
    ...(parts.shared && parts.store === parts.shared.tunnel.store
      ? { adapter: parts.shared.tunnel.adapter }
      : {}),
  });
}
