/**
 * The desktop's half of the QR channel's HPKE (RFC 9180): a fresh P-256 key per QR and the
 * recipient side in PSK mode, DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, on
 * node:crypto. Plain Node (the Electron main process).
 *
 * Why not @hpke/core here, as the phone uses it (server/protocol/channel.ts): it runs on
 * WebCrypto, where every step (import the phone's key, ECDH, each of the key schedule's
 * HMACs, the AES-GCM open) is its own job on the libuv pool and a promise back; the key
 * schedule alone is a dozen such round trips, about 2.5 ms to open the phone's first frame on
 * this machine's bench (test/bench/README.md, "where a QR sign-in's time goes"). The same
 * arithmetic on node:crypto's synchronous calls takes a fraction of that. It is held to
 * @hpke/core by a differential test (test/electron/services/hpke-recipient.test.ts): the same
 * contexts open the same frames and export the same keys, and whatever the library refuses
 * (another key, secret, psk_id, info, aad, a changed enc or ciphertext, a short PSK), this
 * refuses too.
 *
 * Only the recipient is written here: the desktop never seals with HPKE (its replies use the
 * exported key, in channel.ts), and the phone keeps the library.
 */
import { createDecipheriv, createECDH, createHmac } from 'node:crypto';
import {
  PUBLIC_KEY_BYTES,
  type HpkeRecipientContext,
  type HpkeRecipientKey,
} from '../../../server/protocol/channel';

// RFC 9180 §7: DHKEM(P-256, HKDF-SHA256) = 0x0010, HKDF-SHA256 = 0x0001, AES-128-GCM = 0x0001.
const KEM_SUITE = Buffer.from([0x4b, 0x45, 0x4d, 0x00, 0x10]); // "KEM" || kem_id
const HPKE_SUITE = Buffer.from([0x48, 0x50, 0x4b, 0x45, 0x00, 0x10, 0x00, 0x01, 0x00, 0x01]);
const VERSION = Buffer.from('HPKE-v1');
const EMPTY = Buffer.alloc(0);
const MODE_PSK = 0x01;
const HASH_BYTES = 32;
const KEY_BYTES = 16;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** @hpke/core's bounds on the PSK (RFC 9180 §9.5 asks for 32 bytes of entropy) and its id. */
const MIN_PSK_BYTES = 32;
const MAX_INPUT_BYTES = 8192;

function hmac(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** LabeledExtract (RFC 9180 §4): an empty salt is HMAC's all-zero key, as HKDF says. */
function labeledExtract(suite: Buffer, salt: Uint8Array, label: string, ikm: Uint8Array): Buffer {
  return hmac(salt, VERSION, suite, Buffer.from(label), ikm);
}

/** LabeledExpand for at most one hash block, which is all HPKE's own lengths need here. */
function labeledExpand(
  suite: Buffer,
  prk: Uint8Array,
  label: string,
  info: Uint8Array,
  length: number,
): Buffer {
  if (!Number.isInteger(length) || length < 1 || length > HASH_BYTES) {
    throw new RangeError(`HPKE expand length must be 1..${HASH_BYTES} here.`);
  }
  const l = Buffer.from([length >> 8, length & 0xff]);
  return hmac(prk, l, VERSION, suite, Buffer.from(label), info, Buffer.from([1])).subarray(
    0,
    length,
  );
}

function arrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return new Uint8Array(bytes).buffer;
}

/** A fresh key for one QR: its uncompressed public key and the recipient that holds the private half. */
export function generateRecipientKey(): { publicKey: Uint8Array; recipient: HpkeRecipientKey } {
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  return fromEcdh(ecdh);
}

/**
 * The recipient for a given P-256 private scalar (32 bytes): how the differential test gives
 * this file and @hpke/core the same key.
 */
export function recipientKeyFrom(privateKey: Uint8Array): {
  publicKey: Uint8Array;
  recipient: HpkeRecipientKey;
} {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(privateKey);
  return fromEcdh(ecdh);
}

function fromEcdh(ecdh: ReturnType<typeof createECDH>) {
  const publicKey = ecdh.getPublicKey();
  return {
    publicKey: new Uint8Array(publicKey),
    recipient: {
      setup: async ({ enc, psk, info }) => setupPskRecipient(ecdh, publicKey, enc, psk, info),
    } satisfies HpkeRecipientKey,
  };
}

function setupPskRecipient(
  ecdh: ReturnType<typeof createECDH>,
  pkRm: Buffer,
  enc: Uint8Array,
  psk: { id: Uint8Array; key: Uint8Array },
  info: Uint8Array,
): HpkeRecipientContext {
  if (psk.key.length < MIN_PSK_BYTES || psk.key.length > MAX_INPUT_BYTES) {
    throw new RangeError('The PSK must be 32 to 8192 bytes.');
  }
  if (psk.id.length < 1 || psk.id.length > MAX_INPUT_BYTES) {
    throw new RangeError('The PSK id must be 1 to 8192 bytes.');
  }
  // SerializePublicKey's form only (node would also take a compressed point). Any other
  // 65-byte or longer input computeSecret refuses as well, so only the compressed case and the
  // words are tested (test/electron/services/hpke-recipient.test.ts).
  // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: see above.
  if (enc.length !== PUBLIC_KEY_BYTES || enc[0] !== 0x04) {
    throw new RangeError('enc is not an uncompressed P-256 point.');
  }
  // Decap (§4.1): computeSecret refuses a point that is not on the curve.
  const dh = ecdh.computeSecret(enc);
  const kemContext = Buffer.concat([enc, pkRm]);
  const eaePrk = labeledExtract(KEM_SUITE, EMPTY, 'eae_prk', dh);
  const sharedSecret = labeledExpand(KEM_SUITE, eaePrk, 'shared_secret', kemContext, HASH_BYTES);

  // KeySchedule (§5.1), mode_psk.
  const context = Buffer.concat([
    Buffer.from([MODE_PSK]),
    labeledExtract(HPKE_SUITE, EMPTY, 'psk_id_hash', psk.id),
    labeledExtract(HPKE_SUITE, EMPTY, 'info_hash', info),
  ]);
  const secret = labeledExtract(HPKE_SUITE, sharedSecret, 'secret', psk.key);
  const key = labeledExpand(HPKE_SUITE, secret, 'key', context, KEY_BYTES);
  const baseNonce = labeledExpand(HPKE_SUITE, secret, 'base_nonce', context, NONCE_BYTES);
  const exporterSecret = labeledExpand(HPKE_SUITE, secret, 'exp', context, HASH_BYTES);
  let seq = 0;

  return {
    // Open (§5.2): nonce = base_nonce XOR seq; seq moves only when a frame opened.
    async open(ciphertext, aad) {
      // Stryker disable next-line ConditionalExpression,StringLiteral: setAuthTag refuses a short tag too; this only says it first.
      if (ciphertext.length < TAG_BYTES) throw new RangeError('The ciphertext is too short.');
      // The XOR below takes 32 bits of seq: past them a nonce would repeat. No channel comes
      // near 2^32 frames, so no test reaches this line.
      // Stryker disable next-line all: unreachable in a test, as said.
      if (seq > 0xffffffff) throw new RangeError('The message limit was reached.');
      const nonce = Buffer.from(baseNonce);
      nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8);
      // Stryker disable next-line ObjectLiteral: the tag passed is always the last 16 bytes, the length this pins.
      const decipher = createDecipheriv('aes-128-gcm', key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(ciphertext.subarray(0, ciphertext.length - TAG_BYTES)),
        decipher.final(),
      ]);
      seq++;
      return arrayBuffer(plain);
    },
    // Export (§5.3).
    async export(exporterContext, length) {
      return arrayBuffer(labeledExpand(HPKE_SUITE, exporterSecret, 'sec', exporterContext, length));
    },
  };
}
