/**
 * Summarise a V8 .cpuprofile (node --cpu-prof) by self time: top functions, top files, and
 * top packages (npm package, Node core, V8/native, or this repo's folder such as
 * server/passkeys). Used by the throughput bench on the server child's profile, and on its own:
 *
 *   node --import tsx test/bench/profile-summary.ts out/bench/prof/server.cpuprofile [top]
 */
import fs from 'node:fs';
import path from 'node:path';

type CallFrame = { functionName: string; url: string; lineNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; children?: number[] };
type CpuProfile = {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
};

export type Entry = { name: string; ms: number; percent: number };
export type ProfileSummary = {
  /** all sampled time except (idle), ms */
  busyMs: number;
  /** Samples under test/bench/ (the profiler being started and stopped), left out of busyMs. */
  scaffoldingMs: number;
  idleMs: number;
  functions: Entry[];
  files: Entry[];
  packages: Entry[];
  /**
   * Inclusive (self + callees) time of this repo's functions, and of the library functions
   * they call directly ("→ verifyAuthenticationResponse  @simplewebauthn/server"): where a
   * sign-in's time goes, step by step.
   */
  inclusive: Entry[];
};

const root = path.resolve(import.meta.dirname, '../..');

function filePath(url: string): string {
  if (url.startsWith('file://')) return decodeURIComponent(new URL(url).pathname);
  return url;
}

function fileLabel(url: string): string {
  if (!url) return '(no file)';
  const p = filePath(url);
  const nm = p.lastIndexOf('node_modules/');
  if (nm >= 0) return p.slice(nm + 'node_modules/'.length);
  if (p.startsWith(root + '/')) return p.slice(root.length + 1);
  return p;
}

function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName.startsWith('(')) return functionName; // (garbage collector), (program)
    return '(native / V8 builtins)';
  }
  if (url.startsWith('node:')) return 'node core';
  const p = filePath(url);
  const nm = p.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = p.slice(nm + 'node_modules/'.length).split('/');
    const [scope = '', name = ''] = rest;
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  if (p.startsWith(root + '/')) {
    const parts = p.slice(root.length + 1).split('/');
    return `keybridge ${parts.slice(0, Math.min(2, parts.length - 1)).join('/') || parts[0]}`;
  }
  return p;
}

export function summariseProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Native code (no url: a C++ binding, a V8 builtin) is charged to the nearest JS caller's
  // package too, so "better-sqlite3 (native)" and "fastify (native)" read apart.
  const caller = (id: number): CallFrame | undefined => {
    for (let p = parent.get(id); p !== undefined; p = parent.get(p)) {
      const f = byId.get(p)!.callFrame;
      if (f.url) return f;
    }
    return undefined;
  };
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const fns = new Map<string, number>();
  const files = new Map<string, number>();
  const pkgs = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  // The profiler switched on and off over IPC (test/bench/child.ts) shows up as inspector
  // `dispatch` under the bench's own frames: not the server's cost, left out and counted apart.
  let scaffolding = 0;
  const underBench = (id: number) => {
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n))
      if (filePath(byId.get(n)!.callFrame.url).startsWith(root + '/test/bench/')) return true;
    return false;
  };
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  for (const [id, t] of self) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') {
      idle += t;
      continue;
    }
    if (underBench(id)) {
      scaffolding += t;
      continue;
    }
    busy += t;
    const from = frame.url || frame.functionName.startsWith('(') ? undefined : caller(id);
    const where = frame.url
      ? `${fileLabel(frame.url)}:${frame.lineNumber + 1}`
      : from
        ? `native, from ${fileLabel(from.url)}:${from.lineNumber + 1}`
        : '';
    add(fns, `${frame.functionName || '(anonymous)'}${where ? `  ${where}` : ''}`, t);
    add(
      files,
      frame.url
        ? fileLabel(frame.url)
        : from
          ? `${fileLabel(from.url)} (native)`
          : packageOf(frame),
      t,
    );
    add(pkgs, from ? `${packageOf(from)} (native)` : packageOf(frame), t);
  }
  // Inclusive: each sample charges every distinct repo frame on its stack, and each library
  // frame called straight from a repo frame.
  const inclusive = new Map<string, number>();
  // Bench scaffolding (test/bench/child.ts starting the profiler) is not the server's cost.
  const isRepo = (f: CallFrame) =>
    f.url !== '' &&
    !f.url.startsWith('node:') &&
    !filePath(f.url).includes('node_modules/') &&
    filePath(f.url).startsWith(root + '/') &&
    !filePath(f.url).startsWith(root + '/test/');
  const label = (f: CallFrame) =>
    `${f.functionName || '(anonymous)'}  ${fileLabel(f.url)}:${f.lineNumber + 1}`;
  for (const [id, t] of self) {
    if (byId.get(id)!.callFrame.functionName === '(idle)' || underBench(id)) continue;
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const f = byId.get(n)!.callFrame;
      const up = parent.get(n);
      const pf = up === undefined ? undefined : byId.get(up)!.callFrame;
      let key: string | undefined;
      if (isRepo(f)) key = label(f);
      else if (pf && isRepo(pf) && f.url)
        key = `→ ${f.functionName || '(anonymous)'}  ${packageOf(f)}`;
      if (key && !seen.has(key)) {
        seen.add(key);
        add(inclusive, key, t);
      }
    }
  }
  const list = (m: Map<string, number>): Entry[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, percent: (100 * ms) / busy }));
  return {
    busyMs: busy,
    scaffoldingMs: scaffolding,
    idleMs: idle,
    functions: list(fns),
    files: list(files),
    packages: list(pkgs),
    inclusive: list(inclusive),
  };
}

export function printProfileSummary(s: ProfileSummary, file: string): void {
  console.log(
    `\nServer CPU profile (${file}): ${(s.busyMs / 1000).toFixed(2)} s busy, ${(s.idleMs / 1000).toFixed(2)} s idle, ${(s.scaffoldingMs / 1000).toFixed(2)} s profiler start/stop left out; self time`,
  );
  const table = (title: string, entries: Entry[], n: number) => {
    console.log(`  ${title}`);
    for (const e of entries.slice(0, n))
      console.log(
        `    ${e.percent.toFixed(1).padStart(5)} %  ${e.ms.toFixed(0).padStart(6)} ms  ${e.name}`,
      );
  };
  table('by package', s.packages, 12);
  table('by file', s.files, 12);
  table('by function', s.functions, 15);
  console.log('  inclusive (self + callees), this repo and the library calls it makes:');
  for (const e of s.inclusive.slice(0, 20))
    console.log(
      `    ${e.percent.toFixed(1).padStart(5)} %  ${e.ms.toFixed(0).padStart(6)} ms  ${e.name}`,
    );
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  printProfileSummary(summariseProfile(file, Number(process.argv[3] ?? 20)), file);
}
