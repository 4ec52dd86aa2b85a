/**
 * Parent side of test/bench/child.ts: start a server under test in its own process, ask it
 * for its CPU and memory, enroll users, stop it. Every child started here is also killed
 * when the bench exits by any path (stopAllChildren, and the exit hook below).
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type {
  ChildReply,
  ChildRequest,
  CpuSample,
  EnrollUser,
  MemSample,
  WritesSample,
} from './ipc';

const CHILD = path.join(import.meta.dirname, 'child.ts');
const live = new Set<ChildProcess>();
const pids = new Set<number>();

process.on('exit', stopAllChildren);

/** Another process the bench started (a spawned server, redis-server): killed if the bench dies. */
export function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

/** A process started by a helper that keeps its handle to itself (test/server/tunnel/support/redis-server.ts). */
export function killOnExit(pid: number): () => void {
  pids.add(pid);
  return () => pids.delete(pid);
}

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;

export type ServerChild = {
  url: string;
  phoneOrigin: string;
  pid: number;
  cpu(): Promise<CpuSample>;
  mem(): Promise<MemSample>;
  enroll(users: EnrollUser[]): Promise<{ userHandle: string }[]>;
  profileStart(): Promise<void>;
  /** Writes the profile since profileStart() to `file` (.cpuprofile, Chrome DevTools format). */
  profileStop(file: string): Promise<void>;
  /** Keybridge only: CPU of `count` sign-ins' writes alone, in a loop (child.ts). */
  writes(count: number): Promise<WritesSample>;
  stop(): Promise<void>;
};

export async function startChild(
  kind: 'keybridge' | 'peer' | 'floor' | 'floor-http',
  opts: { env?: NodeJS.ProcessEnv; execArgv?: string[] } = {},
): Promise<ServerChild> {
  const child = fork(CHILD, [kind], {
    execArgv: ['--import', 'tsx', ...(opts.execArgv ?? [])],
    env: { ...process.env, ...opts.env },
    // Server logs go nowhere (as if to a log shipper); errors still show.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  live.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      live.delete(child);
      resolve();
    }),
  );
  let next = 1;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const ready = new Promise<{ url: string; phoneOrigin: string }>((resolve, reject) => {
    child.on('message', (raw) => {
      const m = raw as ChildReply;
      if (m.type === 'ready') return resolve(m);
      const w = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.ok) w?.resolve(m.result);
      else w?.reject(new Error(`${kind} child: ${m.error}`));
    });
    void exited.then(() => {
      const err = new Error(`${kind} child exited (code ${child.exitCode})`);
      reject(err);
      for (const w of waiting.values()) w.reject(err);
      waiting.clear();
    });
  });
  const ask = <T>(req: Distribute<ChildRequest>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ ...req, id } as ChildRequest);
    });
  const { url, phoneOrigin } = await ready;
  return {
    url,
    phoneOrigin,
    pid: child.pid!,
    cpu: () => ask<CpuSample>({ op: 'cpu' }),
    mem: () => ask<MemSample>({ op: 'mem' }),
    enroll: (users) => ask({ op: 'enroll', users }),
    profileStart: () => ask({ op: 'profile-start' }),
    profileStop: (file) => ask({ op: 'profile-stop', file }),
    writes: (count) => ask<WritesSample>({ op: 'writes', count }),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await ask({ op: 'stop' }).catch(() => {});
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function stopAllChildren(): void {
  for (const c of live) c.kill('SIGKILL');
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  pids.clear();
}
