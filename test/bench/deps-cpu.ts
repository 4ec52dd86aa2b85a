/**
 * CPU spent outside the server process in PostgreSQL + Redis mode, so "CPU per sign-in" can
 * be compared with SQLite mode (where the database work is inside the process):
 * - PostgreSQL: the backends serving the server's connections, found by the application_name
 *   the bench puts in DATABASE_URL, their utime + stime from /proc/<pid>/stat;
 * - Redis: the private redis-server's own INFO cpu (used_cpu_user + used_cpu_sys).
 * Backends that exit during an interval drop out of the sum (the pool keeps them for its idle
 * timeout, longer than a level), so this is a lower bound.
 */
import fs from 'node:fs';
import pg from 'pg';
import { Redis } from 'ioredis';

const TICKS = 100; // USER_HZ on Linux

function procCpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime
  } catch {
    return 0;
  }
}

export type DepsSampler = {
  /** Per dependency, CPU seconds so far (per PostgreSQL backend pid, and Redis). */
  sample(): Promise<{ postgres: Map<number, number>; redis: number }>;
  close(): Promise<void>;
};

export async function depsSampler(
  postgresUrl: string,
  applicationName: string,
  redisPath: string,
): Promise<DepsSampler> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  const redis = new Redis(redisPath, { maxRetriesPerRequest: 2 });
  return {
    async sample() {
      const { rows } = await client.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
        [applicationName],
      );
      const postgres = new Map(rows.map((r) => [r.pid, procCpuSeconds(r.pid)]));
      const info = await redis.info('cpu');
      const field = (k: string) => Number(new RegExp(`${k}:([0-9.]+)`).exec(info)?.[1] ?? 0);
      return { postgres, redis: field('used_cpu_user') + field('used_cpu_sys') };
    },
    async close() {
      await client.end();
      redis.disconnect();
    },
  };
}

/** CPU seconds between two samples (backends new in `b` count from zero). */
export function depsDelta(
  a: Awaited<ReturnType<DepsSampler['sample']>>,
  b: Awaited<ReturnType<DepsSampler['sample']>>,
): { postgres: number; redis: number } {
  let postgres = 0;
  for (const [pid, s] of b.postgres) postgres += s - (a.postgres.get(pid) ?? 0);
  return { postgres, redis: b.redis - a.redis };
}

/** The redis-server's own pid (INFO server), so the bench can kill it if it is interrupted. */
export async function redisPid(redisPath: string): Promise<number> {
  const redis = new Redis(redisPath, { maxRetriesPerRequest: 2 });
  try {
    const info = await redis.info('server');
    return Number(/process_id:(\d+)/.exec(info)?.[1] ?? 0);
  } finally {
    redis.disconnect();
  }
}
