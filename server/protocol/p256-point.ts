/**
 * P-256 public keys in SEC 1 compressed form (33 bytes: 0x02|0x03 parity, then x) for the QR
 * link v2 (./qr-link.ts), and back to the uncompressed form (65 bytes: 0x04, x, y) that
 * @hpke/core and WebCrypto import. Browsers do not all import compressed points, so the phone
 * decompresses here, with BigInt only (no Node, no DOM).
 */

export const COMPRESSED_KEY_BYTES = 33;
export const UNCOMPRESSED_KEY_BYTES = 65;

// The curve y² = x³ − 3x + b over GF(p) (SEC 2, secp256r1).
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = base % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    b = (b * b) % mod;
    e >>= 1n;
  }
  return result;
}

function toBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  return n;
}

function toBytes32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  let v = n;
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

const rightSide = (x: bigint) => ((((x * x - 3n) * x + B) % P) + P) % P;

/** Throws on anything that is not an uncompressed point on the curve. */
export function compressP256(raw: Uint8Array): Uint8Array<ArrayBuffer> {
  if (raw.length !== UNCOMPRESSED_KEY_BYTES || raw[0] !== 0x04) {
    throw new Error('not an uncompressed P-256 point');
  }
  const x = toBigInt(raw.subarray(1, 33));
  const y = toBigInt(raw.subarray(33, 65));
  if (x >= P || y >= P || (y * y) % P !== rightSide(x)) throw new Error('not on P-256');
  const out = new Uint8Array(COMPRESSED_KEY_BYTES);
  out[0] = 0x02 | Number(y & 1n);
  out.set(raw.subarray(1, 33), 1);
  return out;
}

/** Throws when the bytes are not a compressed point on the curve. */
export function decompressP256(compressed: Uint8Array): Uint8Array<ArrayBuffer> {
  const prefix = compressed[0];
  if (compressed.length !== COMPRESSED_KEY_BYTES || (prefix !== 0x02 && prefix !== 0x03)) {
    throw new Error('not a compressed P-256 point');
  }
  const x = toBigInt(compressed.subarray(1));
  if (x >= P) throw new Error('not on P-256');
  const y2 = rightSide(x);
  // p ≡ 3 (mod 4), so a square root of y² is y²^((p+1)/4) when one exists.
  let y = modPow(y2, (P + 1n) / 4n, P);
  if ((y * y) % P !== y2) throw new Error('not on P-256');
  if (Number(y & 1n) !== (prefix & 1)) y = P - y;
  const out = new Uint8Array(UNCOMPRESSED_KEY_BYTES);
  out[0] = 0x04;
  out.set(compressed.subarray(1), 1);
  out.set(toBytes32(y), 33);
  return out;
}
