/**
 * SHA-256 in one call. crypto.hash (Node 20.12+) hashes without making a Hash object per call;
 * older Node 20 releases, which package.json still allows, get the same digest the long way.
 */
import crypto, { type BinaryLike, type BinaryToTextEncoding } from 'node:crypto';

type OneShot = {
  (algorithm: string, data: BinaryLike, encoding: 'buffer'): Buffer;
  (algorithm: string, data: BinaryLike, encoding: BinaryToTextEncoding): string;
};

const oneShot = (crypto as { hash?: OneShot }).hash;

export function sha256Bytes(data: BinaryLike): Buffer<ArrayBuffer> {
  // Both return a Buffer over its own ArrayBuffer (never shared memory).
  return (
    oneShot ? oneShot('sha256', data, 'buffer') : crypto.createHash('sha256').update(data).digest()
  ) as Buffer<ArrayBuffer>;
}

export function sha256Text(data: BinaryLike, encoding: BinaryToTextEncoding): string {
  return oneShot
    ? oneShot('sha256', data, encoding)
    : crypto.createHash('sha256').update(data).digest(encoding);
}
