/**
 * The floor under every passkey sign-in: one ES256 (P-256 ECDSA over SHA-256) verification
 * with node:crypto, synchronously on one thread, for a fixed time. Run as its own process
 * (`node --import tsx test/bench/raw-verify.ts <seconds>`), so its CPU is only this loop;
 * prints one JSON line. Two figures: with the public key object made once, and with the key
 * imported from JWK each time (a server holding keys as stored bytes pays the import too).
 */
import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';

const seconds = Number(process.argv[2] ?? 2);
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = publicKey.export({ format: 'jwk' });
// authenticatorData (37 bytes) || SHA-256(clientDataJSON), as WebAuthn signs it.
const message = Buffer.concat([
  Buffer.alloc(37, 1),
  createHash('sha256').update('{"type":"webauthn.get"}').digest(),
]);
const signature = sign('sha256', message, privateKey);

function loop(verifyOnce: () => boolean) {
  for (let i = 0; i < 200; i++) verifyOnce(); // warm-up
  const c0 = process.cpuUsage();
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) if (!verifyOnce()) throw new Error('verify failed');
    n += 50;
  }
  const c = process.cpuUsage(c0);
  const cpuSeconds = (c.user + c.system) / 1e6;
  return { verifies: n, cpuSeconds, perCpuSecond: n / cpuSeconds };
}

const prepared = loop(() => verify('sha256', message, publicKey, signature));
const withImport = loop(() =>
  verify('sha256', message, createPublicKey({ key: jwk, format: 'jwk' }), signature),
);
process.stdout.write(JSON.stringify({ prepared, withImport }) + '\n');
