/**
 * A shared store that cannot answer (Redis down or unreachable: ioredis gives up after a few
 * retries) raises StorageError. Stores know nothing about HTTP; the error handler
 * (server/http/errors.ts) answers it as 503 server_busy with a Retry-After, not a 500:
 * nothing is wrong with the request, and the client can simply try again. /readyz says which
 * dependency is down.
 */
export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    readonly store: string,
    options?: { cause?: unknown },
  ) {
    super(`The ${store} store is unavailable.`, options);
  }
}

/** Runs one Redis command; its failure becomes a StorageError. */
export async function redisCall<T>(command: Promise<T>, store = 'redis'): Promise<T> {
  try {
    return await command;
  } catch (cause) {
    // The connection's own listener already logged the outage (server/scale/redis-state.ts).
    throw new StorageError(store, { cause });
  }
}
