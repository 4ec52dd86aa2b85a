/**
 * A Redis command that fails (Redis down or unreachable: ioredis gives up after a few
 * retries) becomes 503 server_busy with a Retry-After, not a 500: nothing is wrong with the
 * request, and the client can simply try again. /readyz says which dependency is down.
 */
import { ApiError } from '../http/errors';

export async function redisCall<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch {
    // The connection's own listener already logged the outage (server/scale/redis-state.ts).
    throw new ApiError(
      503,
      'server_busy',
      'Sign-in is briefly unavailable. Try again in a moment.',
      {
        retryAfterSeconds: 5,
      },
    );
  }
}
