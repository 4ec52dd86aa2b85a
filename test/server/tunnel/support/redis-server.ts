/**
 * A real, private redis-server for a test: unix socket in a temp dir (no port to race for),
 * no persistence. Stopped and removed by stop().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

export type TestRedis = { url: string; stop(): Promise<void> };

export async function startRedis(): Promise<TestRedis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-redis-'));
  const socket = path.join(dir, 'redis.sock');
  const child: ChildProcess = spawn(
    REDIS_SERVER,
    [
      '--port',
      '0',
      '--unixsocket',
      socket,
      '--unixsocketperm',
      '700',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Ready when it answers PING (ioredis retries the connection until the socket exists).
  const probe = new Redis(socket, {
    retryStrategy: (n) => (n > 200 ? null : 25),
    maxRetriesPerRequest: null,
  });
  // Connection refusals until the socket exists are expected; without a listener ioredis
  // prints each one as an "Unhandled error event".
  probe.on('error', () => {});
  try {
    await probe.ping();
  } finally {
    probe.disconnect();
  }
  return {
    url: socket,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
