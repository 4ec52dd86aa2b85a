/**
 * The scaled relay (REDIS_URL): pairings in Redis and the socket.io Redis adapter, so a desktop
 * connected to one server process and a phone connected to another still pair.
 */
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { RedisPairingStore } from './redis-pairing-store';
import type { Logger } from 'pino';
import type { TunnelOptions } from './relay';

export type RedisTunnelBackend = {
  store: RedisPairingStore;
  adapter: NonNullable<TunnelOptions['adapter']>;
  /** True when Redis answers PING (for /readyz); false on an error or no answer in time. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
};

const READY_TIMEOUT_MS = 2000;

/**
 * Synchronous on purpose: ioredis queues commands until it is connected. Given a connection
 * (the server's Redis root, server/scale/redis-state.ts) it shares it and adds the adapter's
 * publish/subscribe pair; given a URL (relay tests) it opens its own.
 */
export function createRedisTunnelBackend(
  urlOrClient: string | Redis,
  opts: { tombstoneMs: number; prefix?: string; logger?: Pick<Logger, 'warn' | 'info'> },
): RedisTunnelBackend {
  const client =
    typeof urlOrClient === 'string'
      ? new Redis(urlOrClient, { maxRetriesPerRequest: 2 })
      : urlOrClient;
  const pub = client.duplicate();
  const sub = client.duplicate();
  // ioredis reconnects on its own and emits an error per failed try; say so once per outage
  // (an unlistened 'error' would also be printed to stderr by ioredis for every try). A shared
  // client already has its owner's listener.
  const clients = typeof urlOrClient === 'string' ? { client, pub, sub } : { pub, sub };
  for (const [role, c] of Object.entries(clients)) {
    let down = false;
    c.on('error', (err: Error) => {
      if (down) return;
      down = true;
      opts.logger?.warn({ role, err: err.message }, 'relay Redis connection lost; retrying');
    });
    c.on('ready', () => {
      if (down) opts.logger?.info({ role }, 'relay Redis connection back');
      down = false;
    });
  }
  const store = new RedisPairingStore(client, {
    tombstoneMs: opts.tombstoneMs,
    now: Date.now,
    prefix: opts.prefix,
  });
  const adapter = createAdapter(pub, sub, { key: `${opts.prefix ?? 'kb:tunnel:'}io` });
  return {
    store,
    adapter,
    async ready() {
      let timer: NodeJS.Timeout | undefined;
      // While Redis is down ioredis queues commands and retries; a probe must not wait that out.
      const noAnswer = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
      });
      try {
        return await Promise.race([
          client.ping().then(
            (r) => r === 'PONG',
            () => false,
          ),
          noAnswer,
        ]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      // QUIT needs a live connection; a client still reconnecting is simply dropped.
      await Promise.allSettled(
        [client, pub, sub].map((c) =>
          c.status === 'ready' ? c.quit() : Promise.resolve(c.disconnect()),
        ),
      );
    },
  };
}
