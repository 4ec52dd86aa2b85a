/**
 * A CPU profile of a server child from Linux `perf` (`npm run bench -- --perf`), beside V8's
 * sampler (`--profile`, profile-summary.ts). V8's sampler records the main thread's wall time,
 * so a system call that blocks, or a thread the kernel has put aside, counts as the JavaScript
 * function that made it; and it does not see the other threads at all. perf samples CPU time on
 * every thread of the process, kernel included, which is what "sign-ins per server CPU-second"
 * counts (where perf_event_paranoid lets it see the kernel; the summary says when it did not).
 * The child runs with `--perf-basic-prof-only-functions`, so compiled JavaScript frames carry
 * their names (V8 writes them to /tmp/perf-<pid>.map, removed here once read). Functions still
 * interpreted show as V8's interpreter builtins; the measured level comes after a warm-up, when
 * the sign-in's code is compiled. (`--interpreted-frames-native-stack` would name those too, but
 * here it left perf's call chains through JavaScript empty, so the inclusive shares fell to
 * nothing.)
 *
 * With call graphs (`-g`, frame pointers), "inclusive" below covers each function's own
 * synchronous stretch with its callees: work resumed after an `await` is charged to the
 * microtask that resumes it, as in V8's profile.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { killOnExit } from './children';
import { heading, row } from './stats';

/** The flag the profiled child needs, so that perf can name its JIT frames. */
export const PERF_CHILD_FLAGS = ['--perf-basic-prof-only-functions'];

/** Why perf cannot run here, or null if it can. */
export function perfUnavailable(): string | null {
  const r = spawnSync('perf', ['record', '-o', '/dev/null', '--', 'true'], { encoding: 'utf8' });
  if (r.error)
    return `perf not found (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}); Debian: apt-get install linux-perf`;
  if (r.status !== 0)
    return `perf record refused: ${r.stderr.trim().split('\n').pop() ?? r.status}`;
  return null;
}

export type PerfRecorder = { start(): Promise<void>; stop(): Promise<void> };

/** perf record -g on one process, for as long as the caller's measured level runs. */
export function perfRecorder(pid: number, file: string): PerfRecorder {
  let perf: ChildProcess | null = null;
  let forget = () => {};
  let exited: Promise<void> = Promise.resolve();
  let stderr = '';
  const kill = async () => {
    perf?.kill('SIGINT');
    await exited;
    forget();
    perf = null;
  };
  return {
    async start() {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.rmSync(file, { force: true });
      const p = spawn('perf', ['record', '-F', '999', '-g', '-p', String(pid), '-o', file], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      perf = p;
      if (p.pid !== undefined) forget = killOnExit(p.pid);
      p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
      // perf writes its file's header once it has attached to the process's threads; it may
      // still be reading the process's mappings, so the level's first milliseconds can go
      // unsampled (a few of its seconds: the shares hardly move).
      const deadline = Date.now() + 10_000;
      while (!(fs.existsSync(file) && fs.statSync(file).size > 0)) {
        if (p.exitCode !== null || p.signalCode !== null) {
          forget();
          throw new Error(`perf record exited: ${stderr.trim()}`);
        }
        if (Date.now() > deadline) {
          await kill();
          throw new Error('perf record did not start within 10 s');
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      const p = perf;
      await kill();
      // On SIGINT perf writes its file and ends as killed by that signal; a status of its own
      // (or another signal) means it failed.
      if (p && !(p.exitCode === 0 || (p.exitCode === null && p.signalCode === 'SIGINT')))
        throw new Error(`perf record failed: ${stderr.trim()}`);
      if (!/Captured and wrote/.test(stderr))
        throw new Error(`perf record wrote no profile: ${stderr.trim()}`);
    },
  };
}

export type PerfSummary = {
  /** perf's own count, as it prints it ("12K of event 'cpu-clock:ppp'"). */
  samples: string;
  /** Whether kernel samples are in (perf_event_paranoid may limit perf to user space). */
  kernel: boolean;
  /** The main thread's share of all samples (the rest: V8's and libuv's threads, SQLite's checkpointer). */
  mainThread: number;
  /** Self CPU by binary: node (V8 + Node's C++ + OpenSSL), kernel, JIT code, SQLite, libc. */
  byObject: { share: number; name: string }[];
  /** Inclusive CPU of landmark functions (SQLite's step, the system calls, P-256 arithmetic). */
  landmarks: { share: number; name: string }[];
  /** Inclusive CPU of this repo's JavaScript functions, largest first. */
  ours: { share: number; name: string }[];
};

function report(file: string, args: string[]): string {
  const r = spawnSync('perf', ['report', '-i', file, '--stdio', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error || r.status !== 0)
    throw new Error(`perf report ${args.join(' ')} failed: ${r.error?.message ?? r.stderr.trim()}`);
  return r.stdout;
}

/** Lines such as "    55.13%  node" or "    19.12%     0.05%  [.] sqlite3_step". */
function percentLines(text: string): { shares: number[]; rest: string }[] {
  const out: { shares: number[]; rest: string }[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s+((?:[\d.]+%\s+)+)(.*)$/.exec(line);
    if (!m) continue;
    const shares = m[1]!
      .trim()
      .split(/\s+/)
      .map((p) => Number(p.replace('%', '')));
    out.push({ shares, rest: m[2]!.trim() });
  }
  return out;
}

const LANDMARKS: { name: string; match: (sym: string) => boolean }[] = [
  { name: 'SQLite statements (sqlite3_step)', match: (s) => s === '[.] sqlite3_step' },
  { name: 'system calls, all (do_syscall_64)', match: (s) => s === '[k] do_syscall_64' },
  { name: '  TCP send (tcp_sendmsg)', match: (s) => s === '[k] tcp_sendmsg' },
  { name: '  file writes (__x64_sys_pwrite64)', match: (s) => s === '[k] __x64_sys_pwrite64' },
  {
    name: '  fsync, fdatasync',
    match: (s) => s === '[k] __x64_sys_fsync' || s === '[k] __x64_sys_fdatasync',
  },
  // On loopback the receiving side runs inside the sender's call: this overlaps "TCP send".
  {
    name: 'TCP receive (tcp_v4_rcv; on loopback, inside TCP send)',
    match: (s) => s === '[k] tcp_v4_rcv',
  },
];

export function summarisePerf(file: string, root: string, pid: number, top = 12): PerfSummary {
  const flat = ['--no-children', '-g', 'none'];
  const dso = report(file, [...flat, '--sort', 'dso']);
  const samples = /^# Samples: (.*)$/m.exec(dso)?.[1] ?? 'unknown';
  const objects = percentLines(dso).map((l) => ({
    share: l.shares[0]!,
    name: l.rest.replace(/^\[JIT\] tid \d+$/, 'JIT code'),
  }));
  const byObject = objects.slice(0, 8);
  const kernel = objects.some((o) => o.name === '[kernel.kallsyms]');
  // `-s pid` lists threads as "<tid>:<comm>"; the main thread's tid is the process id.
  const mainThread =
    percentLines(report(file, [...flat, '--sort', 'pid'])).find((l) => l.rest.startsWith(`${pid}:`))
      ?.shares[0] ?? 0;
  const bySym = percentLines(report(file, ['--children', '--sort', 'sym', '-g', 'none']));
  const landmarks = LANDMARKS.map((l) => ({
    name: l.name,
    share: bySym.filter((s) => l.match(s.rest)).reduce((sum, s) => sum + s.shares[0]!, 0),
  }));
  // P-256's field arithmetic (OpenSSL's nistz256) has no single caller worth naming: sum its self.
  const p256 = percentLines(report(file, [...flat, '--sort', 'sym']))
    .filter((s) => s.rest.includes('nistz256'))
    .reduce((sum, s) => sum + s.shares[0]!, 0);
  landmarks.push({ name: 'P-256 arithmetic, self (OpenSSL nistz256)', share: p256 });
  // V8 names a function once per tier it runs in (~ interpreted, ^ baseline, * optimised):
  // one row per function, its tiers summed.
  const merged = new Map<string, number>();
  for (const s of bySym) {
    if (!s.rest.includes('JS:') || !s.rest.includes(`${root}/server/`)) continue;
    // tsx emits each module on one line, so a position is line 1 and a column.
    const name = s.rest
      .replace(/^\[\.\] JS:[*~^]?/, '')
      .replace(`file://${root}/`, '')
      .replace(`${root}/`, '')
      .replace(/^\s*(server\/)/, '(anonymous) $1')
      .trim();
    merged.set(name, (merged.get(name) ?? 0) + s.shares[0]!);
  }
  const ours = [...merged]
    .map(([name, share]) => ({ name, share }))
    .sort((a, b) => b.share - a.share)
    .slice(0, top);
  return { samples, kernel, mainThread, byObject, landmarks, ours };
}

export function printPerfSummary(s: PerfSummary, file: string): void {
  heading(
    `Server CPU by perf (${file}): ${s.samples}, every thread, ` +
      (s.kernel ? 'kernel included' : 'user space only (perf_event_paranoid: no kernel samples)'),
  );
  row('  main thread', `${s.mainThread.toFixed(1)} % (the rest: V8, libuv and SQLite threads)`);
  console.log('  self, by binary');
  for (const o of s.byObject) row(`    ${o.name}`, `${o.share.toFixed(1)} %`);
  console.log('  inclusive (self + callees)');
  for (const l of s.landmarks) row(`    ${l.name}`, `${l.share.toFixed(1)} %`);
  console.log("  inclusive, this repo's functions (synchronous stretches)");
  for (const o of s.ours) row(`    ${o.name}`, `${o.share.toFixed(1)} %`);
}

/** V8's map of JIT frames for one process, which perf report read above. */
export function removePerfMap(pid: number): void {
  fs.rmSync(`/tmp/perf-${pid}.map`, { force: true });
}
