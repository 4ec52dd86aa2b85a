/**
 * The pairing id of a v2 link, derived from the desktop's compressed public key, so the QR
 * does not carry it (./qr-link.ts). One function for the relay (which computes it from the key
 * in `pair:create`, so nobody picks an id) and the phone (which computes it from the link).
 *
 * id = base64url(SHA-256("keybridge-pairing-id-v2" || 0x00 || key)[0..16]): 128 bits, the same
 * shape and strength as a random id. The key is fresh for every QR, so the id is unguessable to
 * anyone who has not seen the QR, and choosing an id means finding a preimage of SHA-256.
 */
import { COMPRESSED_KEY_BYTES } from './p256-point';

const LABEL = new TextEncoder().encode('keybridge-pairing-id-v2\u0000');
const ID_BYTES = 16;

/** What is hashed: the label, then the key. */
export function pairingIdInput(compressedKey: Uint8Array): Uint8Array<ArrayBuffer> {
  if (compressedKey.length !== COMPRESSED_KEY_BYTES) throw new Error('not a compressed key');
  const input = new Uint8Array(LABEL.length + compressedKey.length);
  input.set(LABEL);
  input.set(compressedKey, LABEL.length);
  return input;
}

/** The id from the SHA-256 digest of pairingIdInput(). */
export function pairingIdFromDigest(digest: Uint8Array): string {
  let binary = '';
  for (const byte of digest.subarray(0, ID_BYTES)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export async function derivePairingId(compressedKey: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', pairingIdInput(compressedKey));
  return pairingIdFromDigest(new Uint8Array(digest));
}
