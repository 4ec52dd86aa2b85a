/**
 * The desktop's node:crypto HPKE recipient (electron/services/qr/hpke-recipient.ts) against
 * @hpke/core, the library the phone uses: one private key given to both, frames sealed by the
 * library's sender. On honest input both open the same plaintexts and export the same keys;
 * on a corpus of changed inputs (enc, ciphertext, PSK, psk_id, info, aad, order, replay,
 * lengths, points off the curve) whatever the library refuses, ours refuses too, and at the
 * same step or earlier.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { Aes128Gcm, CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';
import { test } from 'vitest';
import { recipientKeyFrom } from '../../../electron/services/qr/hpke-recipient';
import type { HpkeRecipientKey } from '../../../server/protocol/channel';

const suite = new CipherSuite({
  kem: new DhkemP256HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes128Gcm(),
});

type Case = {
  psk: { id: Uint8Array; key: Uint8Array };
  info: Uint8Array;
  /** What the sender seals, in order, each with its aad. */
  frames: { pt: Uint8Array; aad: Uint8Array }[];
  exports: { context: Uint8Array; length: number }[];
};

const bytes = (n: number) => new Uint8Array(randomBytes(n));

function honestCase(): Case {
  return {
    psk: { id: bytes(randomInt(1, 64)), key: bytes(randomInt(32, 80)) },
    info: bytes(randomInt(0, 40)),
    frames: Array.from({ length: randomInt(1, 5) }, () => ({
      pt: bytes(randomInt(0, 600)),
      aad: bytes(randomInt(0, 50)),
    })),
    exports: [
      { context: new TextEncoder().encode('desktop->phone'), length: 16 },
      { context: bytes(randomInt(0, 30)), length: randomInt(1, 33) },
    ],
  };
}

/** Both recipients for one key: @hpke/core's over WebCrypto, and ours. */
async function keys() {
  const pair = await suite.kem.generateKeyPair();
  const d = new Uint8Array(await suite.kem.serializePrivateKey(pair.privateKey));
  const ours = recipientKeyFrom(d);
  const libraryKey: HpkeRecipientKey = {
    setup: (p) => suite.createRecipientContext({ recipientKey: pair, ...p }),
  };
  return { pair, ours: ours.recipient, library: libraryKey, oursPublic: ours.publicKey };
}

/** Seals a case's frames with the library's sender. */
async function seal(pair: CryptoKeyPair, c: Case) {
  const sender = await suite.createSenderContext({
    recipientPublicKey: pair.publicKey,
    psk: c.psk,
    info: c.info,
  });
  const cts: Uint8Array[] = [];
  for (const f of c.frames) cts.push(new Uint8Array(await sender.seal(f.pt, f.aad)));
  return { enc: new Uint8Array(sender.enc), cts, sender };
}

type Step = { ct: Uint8Array; aad: Uint8Array };
type Outcome = { refusedAt: number | null; opened: string[]; exported: string[] };
const hex = (b: ArrayBuffer | Uint8Array) => Buffer.from(new Uint8Array(b)).toString('hex');

/** Setup (step 0), then each open in order (steps 1..n), then the exports. */
async function run(
  key: HpkeRecipientKey,
  setup: { enc: Uint8Array; psk: Case['psk']; info: Uint8Array },
  steps: Step[],
  exports: Case['exports'],
): Promise<Outcome> {
  const opened: string[] = [];
  let ctx;
  try {
    ctx = await key.setup(setup);
  } catch {
    return { refusedAt: 0, opened, exported: [] };
  }
  for (const [i, s] of steps.entries()) {
    try {
      opened.push(hex(await ctx.open(s.ct, s.aad)));
    } catch {
      return { refusedAt: i + 1, opened, exported: [] };
    }
  }
  const exported: string[] = [];
  for (const e of exports) exported.push(hex(await ctx.export(e.context, e.length)));
  return { refusedAt: null, opened, exported };
}

async function compare(
  k: Awaited<ReturnType<typeof keys>>,
  setup: Parameters<typeof run>[1],
  steps: Step[],
  exports: Case['exports'],
) {
  const lib = await run(k.library, setup, steps, exports);
  const ours = await run(k.ours, setup, steps, exports);
  if (lib.refusedAt !== null) {
    assert.notEqual(ours.refusedAt, null, 'the library refused, ours must too');
    assert.ok(ours.refusedAt! <= lib.refusedAt, `ours refused at ${ours.refusedAt}, later`);
  }
  // Up to where both got, they agree byte for byte.
  const n = Math.min(ours.opened.length, lib.opened.length);
  assert.deepEqual(ours.opened.slice(0, n), lib.opened.slice(0, n));
  return { lib, ours };
}

test('the public key is the scalar’s point, as @hpke/core serialises it', async () => {
  const k = await keys();
  assert.equal(hex(k.oursPublic), hex(await suite.kem.serializePublicKey(k.pair.publicKey)));
});

test('honest frames: both open the same plaintexts and export the same keys (40 cases)', async () => {
  for (let i = 0; i < 40; i++) {
    const k = await keys();
    const c = honestCase();
    const { enc, cts, sender } = await seal(k.pair, c);
    const steps = cts.map((ct, j) => ({ ct, aad: c.frames[j]!.aad }));
    const { lib, ours } = await compare(k, { enc, psk: c.psk, info: c.info }, steps, c.exports);
    assert.equal(lib.refusedAt, null);
    assert.equal(ours.refusedAt, null);
    assert.deepEqual(
      ours.opened,
      c.frames.map((f) => hex(f.pt)),
    );
    assert.deepEqual(ours.exported, lib.exported);
    // ...and the sender's export, which is what the phone keys its replies with.
    assert.equal(ours.exported[0], hex(await sender.export(c.exports[0]!.context, 16)));
  }
});

/** One way to change an honest case; each must be refused by the library, and by us. */
type Mutation = (
  c: Case,
  s: { enc: Uint8Array; cts: Uint8Array[] },
) => { setup: Parameters<typeof run>[1]; steps: Step[] };

function flip(b: Uint8Array, at = randomInt(0, b.length)): Uint8Array {
  const out = new Uint8Array(b);
  out[at]! ^= 1 << randomInt(0, 8);
  return out;
}

const honestSteps = (c: Case, cts: Uint8Array[]) =>
  cts.map((ct, j) => ({ ct, aad: c.frames[j]!.aad }));

const mutations: Record<string, Mutation> = {
  'a bit of enc changed (past the point tag)': (c, s) => ({
    setup: { enc: flip(s.enc, randomInt(1, 65)), psk: c.psk, info: c.info },
    steps: honestSteps(c, s.cts),
  }),
  'enc with another point tag': (c, s) => {
    const enc = new Uint8Array(s.enc);
    enc[0] = [0x02, 0x03, 0x00, 0x05][randomInt(0, 4)]!;
    return { setup: { enc, psk: c.psk, info: c.info }, steps: honestSteps(c, s.cts) };
  },
  'enc a random 65 bytes (off the curve)': (c, s) => {
    const enc = bytes(65);
    enc[0] = 4;
    return { setup: { enc, psk: c.psk, info: c.info }, steps: honestSteps(c, s.cts) };
  },
  'enc cut short': (c, s) => ({
    setup: { enc: s.enc.subarray(0, randomInt(0, 65)), psk: c.psk, info: c.info },
    steps: honestSteps(c, s.cts),
  }),
  'a bit of a ciphertext changed': (c, s) => {
    const steps = honestSteps(c, s.cts);
    const at = randomInt(0, steps.length);
    steps[at] = { ...steps[at]!, ct: flip(steps[at]!.ct) };
    return { setup: { enc: s.enc, psk: c.psk, info: c.info }, steps };
  },
  'a ciphertext cut short': (c, s) => {
    const steps = honestSteps(c, s.cts);
    const at = randomInt(0, steps.length);
    steps[at] = { ...steps[at]!, ct: steps[at]!.ct.subarray(0, randomInt(0, 17)) };
    return { setup: { enc: s.enc, psk: c.psk, info: c.info }, steps };
  },
  'another PSK': (c, s) => ({
    setup: { enc: s.enc, psk: { ...c.psk, key: flip(c.psk.key) }, info: c.info },
    steps: honestSteps(c, s.cts),
  }),
  'a PSK under 32 bytes': (c, s) => ({
    setup: { enc: s.enc, psk: { ...c.psk, key: c.psk.key.subarray(0, 31) }, info: c.info },
    steps: honestSteps(c, s.cts),
  }),
  'another psk_id': (c, s) => ({
    setup: { enc: s.enc, psk: { ...c.psk, id: flip(c.psk.id) }, info: c.info },
    steps: honestSteps(c, s.cts),
  }),
  'another info': (c, s) => ({
    setup: { enc: s.enc, psk: c.psk, info: new Uint8Array([...c.info, 0]) },
    steps: honestSteps(c, s.cts),
  }),
  'another aad': (c, s) => {
    const steps = honestSteps(c, s.cts);
    const at = randomInt(0, steps.length);
    steps[at] = { ...steps[at]!, aad: new Uint8Array([...steps[at]!.aad, 1]) };
    return { setup: { enc: s.enc, psk: c.psk, info: c.info }, steps };
  },
  'a frame replayed': (c, s) => {
    const steps = honestSteps(c, s.cts);
    return { setup: { enc: s.enc, psk: c.psk, info: c.info }, steps: [...steps, steps.at(-1)!] };
  },
  'frames out of order (or the first dropped)': (c, s) => {
    const steps = honestSteps(c, s.cts);
    return { setup: { enc: s.enc, psk: c.psk, info: c.info }, steps: steps.slice(1) };
  },
};

for (const [name, mutate] of Object.entries(mutations)) {
  test(`refused by both: ${name} (12 cases)`, async () => {
    for (let i = 0; i < 12; i++) {
      const k = await keys();
      const c = honestCase();
      // Out of order needs at least two frames, so the second opens first.
      if (c.frames.length < 2) c.frames.push({ pt: bytes(10), aad: bytes(3) });
      const sealed = await seal(k.pair, c);
      const { setup, steps } = mutate(c, sealed);
      const { lib, ours } = await compare(k, setup, steps, []);
      assert.notEqual(lib.refusedAt, null, `the library accepted "${name}"`);
      assert.notEqual(ours.refusedAt, null);
    }
  });
}

test('at the bounds both accept alike: PSK of 32 and 8192 bytes, psk_id of 1 and 8192, an empty frame, exports of 1 and 32', async () => {
  for (const [key, id] of [
    [32, 1],
    [8192, 8192],
  ] as const) {
    const k = await keys();
    const c: Case = {
      psk: { id: bytes(id), key: bytes(key) },
      info: new Uint8Array(0),
      frames: [
        { pt: new Uint8Array(0), aad: new Uint8Array(0) },
        { pt: bytes(1), aad: bytes(1) },
      ],
      exports: [
        { context: new Uint8Array(0), length: 1 },
        { context: bytes(8), length: 32 },
      ],
    };
    const { enc, cts } = await seal(k.pair, c);
    const setup = { enc, psk: c.psk, info: c.info };
    const { lib, ours } = await compare(k, setup, honestSteps(c, cts), c.exports);
    assert.equal(lib.refusedAt, null);
    assert.equal(ours.refusedAt, null);
    assert.deepEqual(ours.opened, ['', hex(c.frames[1]!.pt)]);
    assert.deepEqual(ours.exported, lib.exported);
  }
});

test('over the bounds both refuse: a PSK or psk_id of 8193 bytes', async () => {
  const k = await keys();
  const c = honestCase();
  const { enc, cts } = await seal(k.pair, c);
  for (const psk of [
    { id: c.psk.id, key: bytes(8193) },
    { id: bytes(8193), key: c.psk.key },
  ]) {
    const { lib, ours } = await compare(k, { enc, psk, info: c.info }, honestSteps(c, cts), []);
    assert.equal(lib.refusedAt, 0);
    assert.equal(ours.refusedAt, 0);
  }
});

test('ours is stricter where RFC 9180 is: an empty psk_id, a compressed enc; the reason is said', async () => {
  const k = await keys();
  const c = honestCase();
  const { enc } = await seal(k.pair, c);
  await assert.rejects(
    k.ours.setup({ enc, psk: { id: new Uint8Array(0), key: c.psk.key }, info: c.info }),
    { name: 'RangeError', message: 'The PSK id must be 1 to 8192 bytes.' },
  );
  await assert.rejects(k.ours.setup({ enc, psk: { id: c.psk.id, key: bytes(31) }, info: c.info }), {
    name: 'RangeError',
    message: 'The PSK must be 32 to 8192 bytes.',
  });
  const compressed = new Uint8Array(33);
  compressed[0] = 2 + (enc[64]! & 1);
  compressed.set(enc.subarray(1, 33), 1);
  await assert.rejects(k.ours.setup({ enc: compressed, psk: c.psk, info: c.info }), {
    name: 'RangeError',
    message: 'enc is not an uncompressed P-256 point.',
  });
});

test('export lengths beyond one hash block are refused plainly, not truncated', async () => {
  const k = await keys();
  const c = honestCase();
  const { enc } = await seal(k.pair, c);
  const ctx = await k.ours.setup({ enc, psk: c.psk, info: c.info });
  const refused = { name: 'RangeError', message: 'HPKE expand length must be 1..32 here.' };
  await assert.rejects(ctx.export(new Uint8Array(0), 33), refused);
  await assert.rejects(ctx.export(new Uint8Array(0), 0), refused);
  await assert.rejects(ctx.export(new Uint8Array(0), 1.5), refused);
});
