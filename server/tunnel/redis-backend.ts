/**
 * The scaled relay (REDIS_URL): pairings in Redis and the socket.io Redis adapter, so a desktop
 * connected to one server process and a phone connected to another still pair.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { RedisPairingStore } from './redis-pairing-store';
import type { TunnelOptions } from './relay';

export type RedisTunnelBackend = {
  store: RedisPairingStore;
  adapter: NonNullable<TunnelOptions['adapter']>;
  close(): Promise<void>;
};

/** Synchronous on purpose: ioredis queues commands until it is connected. */
export function createRedisTunnelBackend(
  url: string,
  opts: { tombstoneMs: number; prefix?: string },
): RedisTunnelBackend {
  const client = new Redis(url, { maxRetriesPerRequest: 2 });
  const pub = client.duplicate();
  const sub = client.duplicate();
  const store = new RedisPairingStore(client, {
    tombstoneMs: opts.tombstoneMs,
    now: Date.now,
    prefix: opts.prefix,
  });
  const adapter = createAdapter(pub, sub, { key: `${opts.prefix ?? 'kb:tunnel:'}io` });
  return {
    store,
    adapter,
    async close() {
      await Promise.allSettled([client.quit(), pub.quit(), sub.quit()]);
    },
  };
}
