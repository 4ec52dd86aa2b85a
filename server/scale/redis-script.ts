/**
 * A Lua script sent by its SHA1 (EVALSHA) through ioredis's defineCommand, which falls back to
 * EVAL once when Redis answers NOSCRIPT (a fresh or restarted Redis). EVAL would send the whole
 * script with every call and Redis would hash it each time; the script and its atomicity are
 * the same either way.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

export type RedisScript = (
  keys: readonly string[],
  args: readonly (string | number)[],
) => Promise<unknown>;

export function redisScript(redis: Redis, lua: string, numberOfKeys: number): RedisScript {
  // Named by its text: two stores defining the same script share it, and different scripts
  // never overwrite each other on one connection.
  const name = `kb_${createHash('sha1').update(lua).digest('hex')}`;
  const commands = redis as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  if (typeof commands[name] !== 'function') redis.defineCommand(name, { lua, numberOfKeys });
  return (keys, args) => {
    if (keys.length !== numberOfKeys) throw new Error(`redisScript: ${numberOfKeys} keys expected`);
    return commands[name]!.call(redis, ...keys, ...args);
  };
}
