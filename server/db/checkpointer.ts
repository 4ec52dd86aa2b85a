/**
 * SQLite's WAL checkpoints on a worker thread, so the event loop never waits for them.
 *
 * better-sqlite3 is synchronous: with SQLite's own automatic checkpoint, the commit that
 * crosses 1,000 WAL pages copies them into the database file and, in WAL mode, fsyncs the WAL
 * and the file, all on the request's thread. A sign-in writes about a dozen pages, so every
 * ~80th sign-in stalled the whole server for those syncs (milliseconds, far more when the disk
 * is busy). Here a second connection to the same file, on its own thread, runs a PASSIVE
 * checkpoint every `everyMs`: it never blocks the writer, and the writer never waits for it.
 * The main connection keeps an automatic checkpoint at a much higher mark as a backstop, so
 * the WAL stays bounded even if this thread falls behind or dies.
 *
 * Durability is unchanged: the syncs happen at the same points of a checkpoint, with the same
 * `synchronous` setting, only on another thread (README.md, Durability and logging).
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The main connection's own automatic checkpoint, in WAL pages (SQLite's default: 1,000). */
export const BACKSTOP_CHECKPOINT_PAGES = 10_000;
export const CHECKPOINT_EVERY_MS = 200;

// Plain JavaScript run with `eval`, so the bundled server (scripts/build-server.mjs) needs no
// second entry file; the addon is loaded from the path the main thread resolved.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = ' + workerData.synchronous);
const done = new Int32Array(workerData.done);
const checkpoint = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: String((err && err.message) || err) });
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.once('message', () => {
  clearInterval(timer);
  try {
    db.close();
  } finally {
    Atomics.store(done, 0, 1);
    Atomics.notify(done, 0);
    parentPort.close();
  }
});
`;

export type Checkpointer = {
  /** Stops the thread and closes its connection; returns once it is closed (at most 5 s). */
  stop(): void;
};

export function startCheckpointer(
  file: string,
  opts: { synchronous: 'FULL' | 'NORMAL'; everyMs?: number; onError?: (message: string) => void },
): Checkpointer {
  const done = new SharedArrayBuffer(4);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      file,
      module: createRequire(import.meta.url).resolve('better-sqlite3'),
      synchronous: opts.synchronous,
      everyMs: opts.everyMs ?? CHECKPOINT_EVERY_MS,
      done,
    },
  });
  // A background helper: it must never keep the process alive.
  worker.unref();
  const onError =
    opts.onError ?? ((message: string) => process.emitWarning(`SQLite checkpoint: ${message}`));
  worker.on('message', (m: { error?: string }) => m.error && onError(m.error));
  worker.on('error', (err) => onError(err.message));
  let stopped = false;
  worker.once('exit', () => (stopped = true));
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      worker.postMessage('stop');
      // Closing happens at shutdown only, so waiting here is fine; the caller's close()
      // (Kysely's destroy) then really has released the file when it returns.
      Atomics.wait(new Int32Array(done), 0, 0, 5000);
    },
  };
}
