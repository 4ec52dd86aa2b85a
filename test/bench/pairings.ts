/**
 * Waiting, unscanned pairings on one node: N desktops (default 10,000), each its own socket.io
 * connection from its own 127.a.b.c address, spread over /24s (the relay caps open pairings per
 * client subnet, server/http/subnet.ts; default relay limits otherwise), each holding one
 * pairing nobody scans, created as the desktop creates it: `pair:create` with a fresh
 * compressed public key, from which the relay derives the id (server/protocol/pairing-id.ts). The server runs in a child with
 * --expose-gc; heap is read after a full GC (child.ts "mem") before the sockets, after the
 * sockets and after the pairings, so each waiting desktop's cost splits into its connection
 * and its pairing. The unscanned lifetime is lengthened to 10 minutes only so that none
 * expires while the figures are taken.
 */
import { createECDH } from 'node:crypto';
import { io as connect, type Socket } from 'socket.io-client';
import type { PairCreateAck } from '../../server/protocol/tunnel';
import { startChild } from './children';
import { printProfileSummary, summariseProfile } from './profile-summary';
import type { MemSample } from './ipc';
import { heading, row } from './stats';

export type PairingsResult = {
  pairings: number;
  bytesPerWaitingDesktop: number;
  bytesPerPairing: number;
  bytesPerConnection: number;
  rssPerWaitingDesktop: number;
  createdPerSecond: number;
  createdPerServerCpuSecond: number;
  connectSeconds: number;
};

async function inBatches<T>(items: T[], width: number, fn: (t: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const used = (m: MemSample) => m.heapUsed + m.external;

/** 127.x.y.z with the /24 changing fastest: 10,000 desktops are about 40 per /24. */
const spreadAddress = (i: number) =>
  `127.${10 + Math.floor(i / (254 * 254))}.${1 + (i % 254)}.${1 + (Math.floor(i / 254) % 254)}`;

/** A desktop's compressed P-256 public key, as `pair:create` carries it. */
function desktopKey(): string {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return ecdh.getPublicKey(null, 'compressed').toString('base64url');
}

/** `profileFile`: also profile a second round of creates (not counted) into this file. */
export async function waitingPairings(n: number, profileFile?: string): Promise<PairingsResult> {
  const child = await startChild('keybridge', {
    execArgv: ['--expose-gc'],
    env: { BENCH_TUNNEL_LIMITS: JSON.stringify({ unscannedMs: 600_000 }) },
  });
  const sockets: Socket[] = [];
  try {
    const url = new URL('/tunnel', child.url).toString();
    const m0 = await child.mem();
    const tc = performance.now();
    await inBatches(
      Array.from({ length: n }, (_, i) => i),
      64,
      (i) =>
        new Promise<void>((resolve, reject) => {
          const s = connect(url, {
            transports: ['websocket'],
            forceNew: true,
            reconnection: false,
            localAddress: spreadAddress(i),
          } as Parameters<typeof connect>[1]);
          s.once('connect', () => {
            sockets.push(s);
            resolve();
          });
          s.once('connect_error', reject);
        }),
    );
    const connectSeconds = (performance.now() - tc) / 1000;
    const m1 = await child.mem();
    const keys = sockets.map(() => desktopKey());
    const c0 = await child.cpu();
    const t0 = performance.now();
    const refused = new Map<string, number>();
    await inBatches(
      sockets.map((s, i) => ({ s, key: keys[i]! })),
      64,
      async ({ s, key }) => {
        const ack = (await s.emitWithAck('pair:create', { key })) as PairCreateAck;
        if (!ack.ok) refused.set(ack.error.code, (refused.get(ack.error.code) ?? 0) + 1);
      },
    );
    const seconds = (performance.now() - t0) / 1000;
    const c1 = await child.cpu();
    if (refused.size) {
      throw new Error(
        `pair:create refused: ${JSON.stringify(Object.fromEntries(refused))} of ${n}`,
      );
    }
    const m2 = await child.mem();
    if (profileFile) {
      // After the figures: each desktop may hold 4 pairings, so a second round fits.
      await child.profileStart();
      await inBatches(sockets, 64, async (s) => {
        await s.emitWithAck('pair:create', { key: desktopKey() });
      });
      await child.profileStop(profileFile);
    }
    const cpu = (c1.user + c1.system - c0.user - c0.system) / 1e6;
    const r: PairingsResult = {
      pairings: n,
      bytesPerWaitingDesktop: (used(m2) - used(m0)) / n,
      bytesPerPairing: (used(m2) - used(m1)) / n,
      bytesPerConnection: (used(m1) - used(m0)) / n,
      rssPerWaitingDesktop: (m2.rss - m0.rss) / n,
      createdPerSecond: n / seconds,
      createdPerServerCpuSecond: n / cpu,
      connectSeconds,
    };
    heading(
      `${n.toLocaleString('en')} waiting unscanned pairings on one node (heap + external after GC)`,
    );
    row(
      'server bytes per waiting desktop (socket + pairing)',
      `${Math.round(r.bytesPerWaitingDesktop)} B  (RSS ${Math.round(r.rssPerWaitingDesktop)} B)`,
    );
    row('  of which the pairing itself', `${Math.round(r.bytesPerPairing)} B`);
    row('  of which its socket.io connection', `${Math.round(r.bytesPerConnection)} B`);
    row(
      'pairing creation rate (64 in flight)',
      `${r.createdPerSecond.toFixed(0)} /s  ${r.createdPerServerCpuSecond.toFixed(0)} /server CPU-s`,
    );
    row('connecting the desktops took', `${connectSeconds.toFixed(1)} s`);
    if (profileFile) printProfileSummary(summariseProfile(profileFile), profileFile);
    return r;
  } finally {
    for (const s of sockets) s.close();
    await child.stop();
  }
}
