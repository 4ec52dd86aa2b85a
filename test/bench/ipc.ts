/**
 * The bench's parent <-> child protocol over Node's IPC channel. A server under test runs in
 * its own process (test/bench/child.ts), so process.cpuUsage() there is that server's CPU and
 * nothing else: the load generator in the parent shares the cores but not the count.
 */

/** A user to enroll: the credential the parent's soft authenticator holds. */
export type EnrollUser = { email: string; credentialId: string; publicKeyCose: string };

export type ChildRequest =
  | { id: number; op: 'cpu' }
  | { id: number; op: 'mem' }
  | { id: number; op: 'enroll'; users: EnrollUser[] }
  | { id: number; op: 'profile-start' }
  | { id: number; op: 'profile-stop'; file: string }
  | { id: number; op: 'writes'; count: number }
  | { id: number; op: 'stop' };

export type CpuSample = {
  user: number;
  system: number;
  wall: number;
  /** Keybridge only: its assertion checks so far, and their summed wall time (child.ts). */
  verify?: { calls: number; ns: number };
};
/** Keybridge only: the sign-in's writes alone, in a loop (child.ts). */
export type WritesSample = { count: number; cpuMicrosEach: number };
export type MemSample = { heapUsed: number; external: number; arrayBuffers: number; rss: number };

export type ChildReply =
  | { type: 'ready'; url: string; phoneOrigin: string }
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };
