/**
 * A throwaway PKI made with the openssl CLI, as an operator would: a test CA and one leaf for
 * exchange.localhost and 127.0.0.1 (the phone's name and the desktop's address), signed by
 * it. Node clients trust the CA through NODE_EXTRA_CA_CERTS; Chromium pins the leaf's public
 * key (spkiHash) with --ignore-certificate-errors-spki-list, which keeps the page a secure,
 * error-free context (WebAuthn refuses pages with certificate errors).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const OPENSSL = process.env.OPENSSL ?? 'openssl';

export type TestCerts = {
  caPath: string;
  certPath: string;
  keyPath: string;
  /** base64 SHA-256 of the leaf's SubjectPublicKeyInfo (Chromium's pin format) */
  spkiHash: string;
};

/** Why openssl cannot be used, or false when it runs. */
export function opensslMissing(): string | false {
  try {
    execFileSync(OPENSSL, ['version'], { stdio: 'ignore' });
    return false;
  } catch {
    return `${OPENSSL} is not installed (set OPENSSL)`;
  }
}

function openssl(args: string[], input?: Buffer): Buffer {
  return execFileSync(OPENSSL, args, { input, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function makeCerts(dir: string, hostname: string): TestCerts {
  const p = (name: string) => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=Keybridge Test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  openssl([
    'req',
    ...ec,
    '-keyout',
    p('leaf.key'),
    '-out',
    p('leaf.csr'),
    '-subj',
    `/CN=${hostname}`,
  ]);
  fs.writeFileSync(
    p('leaf.ext'),
    [
      `subjectAltName=DNS:${hostname},IP:127.0.0.1`,
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      '',
    ].join('\n'),
  );
  openssl([
    'x509',
    '-req',
    '-in',
    p('leaf.csr'),
    '-CA',
    p('ca.pem'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('leaf.pem'),
    '-days',
    '2',
    '-extfile',
    p('leaf.ext'),
  ]);
  const pub = openssl(['x509', '-in', p('leaf.pem'), '-pubkey', '-noout']);
  const der = openssl(['pkey', '-pubin', '-outform', 'der'], pub);
  const digest = openssl(['dgst', '-sha256', '-binary'], der);
  return {
    caPath: p('ca.pem'),
    certPath: p('leaf.pem'),
    keyPath: p('leaf.key'),
    spkiHash: digest.toString('base64'),
  };
}
