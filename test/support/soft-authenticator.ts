/**
 * A TEST-SIDE software authenticator (node:crypto P-256). It produces genuine WebAuthn bytes —
 * a 'none' attestation object (CBOR) at registration and ECDSA-signed assertions — so server
 * tests can reach rejection paths a browser will not produce on demand (tampered signatures,
 * wrong origin or rpId, flag and counter games). The server side is untouched: it verifies
 * these bytes with @simplewebauthn/server exactly as it verifies Chromium's. Flows that must
 * prove real browser behaviour use Chromium's virtual authenticator instead.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationOptionsJSON,
  AuthenticationResponseJSON,
  RegistrationOptionsJSON,
  RegistrationResponseJSON,
} from '../../server/protocol/api';

// ------------------------------------------------------------ minimal CBOR encoder

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor> | { [k: string]: Cbor };

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 0x100) return Buffer.from([(major << 5) | 24, n]);
  if (n < 0x10000) return Buffer.from([(major << 5) | 25, n >> 8, n & 0xff]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array)
    return Buffer.concat([head(2, value.length), Buffer.from(value)]);
  const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return Buffer.concat([
    head(5, entries.length),
    ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)]),
  ]);
}

// ------------------------------------------------------------ authenticator

export const FLAG_UP = 0x01;
export const FLAG_UV = 0x04;
export const FLAG_BE = 0x08;
export const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();
const b64u = (b: Buffer | Uint8Array) => Buffer.from(b).toString('base64url');

export type SoftCredential = {
  id: Buffer;
  privateKey: KeyObject;
  publicKey: KeyObject;
  userHandle: string;
  rpId: string;
  counter: number;
};

export type SoftAuthenticatorOptions = {
  /** AAGUID as a UUID string; all-zero by default (like Chromium's virtual authenticator). */
  aaguid?: string;
  backupEligible?: boolean;
  backedUp?: boolean;
  userVerified?: boolean;
  /** Counter step per assertion; 0 = a counter-less (synced-style) authenticator. */
  counterStep?: number;
};

export type CeremonyOverrides = {
  origin?: string;
  rpId?: string;
  challenge?: string;
  type?: string;
  flags?: number;
  counter?: number;
  /** Flip one bit of the signature. */
  tamperSignature?: boolean;
  userHandle?: string | null;
  credentialId?: Buffer;
  /** clientDataJSON.crossOrigin (false unless given), as a framed page would report. */
  crossOrigin?: boolean;
  /** clientDataJSON.topOrigin (absent unless given). */
  topOrigin?: string;
};

export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];
  constructor(
    readonly origin: string,
    readonly opts: SoftAuthenticatorOptions = {},
  ) {}

  private flags(extra = 0): number {
    let f = FLAG_UP | extra;
    if (this.opts.userVerified ?? true) f |= FLAG_UV;
    if (this.opts.backupEligible) f |= FLAG_BE;
    if (this.opts.backedUp) f |= FLAG_BS;
    return f;
  }

  /** navigator.credentials.create() for the given server options, as WebAuthn JSON. */
  register(options: RegistrationOptionsJSON, o: CeremonyOverrides = {}): RegistrationResponseJSON {
    const rpId = o.rpId ?? options.rp.id ?? new URL(this.origin).hostname;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const coseKey = cbor(
      new Map<Cbor, Cbor>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x as string, 'base64url')],
        [-3, Buffer.from(jwk.y as string, 'base64url')],
      ]),
    );
    const id = o.credentialId ?? randomBytes(32);
    const counter = o.counter ?? 0;
    const aaguid = Buffer.from(
      (this.opts.aaguid ?? '00000000-0000-0000-0000-000000000000').replace(/-/g, ''),
      'hex',
    );
    const idLen = Buffer.alloc(2);
    idLen.writeUInt16BE(id.length);
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    const authData = Buffer.concat([
      sha256(rpId),
      Buffer.from([o.flags ?? this.flags(FLAG_AT)]),
      count,
      aaguid,
      idLen,
      id,
      coseKey,
    ]);
    const clientDataJSON = JSON.stringify({
      type: o.type ?? 'webauthn.create',
      challenge: o.challenge ?? options.challenge,
      origin: o.origin ?? this.origin,
      crossOrigin: o.crossOrigin ?? false,
      ...(o.topOrigin !== undefined ? { topOrigin: o.topOrigin } : {}),
    });
    const attestationObject = cbor({ fmt: 'none', attStmt: {}, authData });
    this.credentials.push({
      id,
      privateKey,
      publicKey,
      userHandle: options.user.id,
      rpId,
      counter,
    });
    return {
      id: b64u(id),
      rawId: b64u(id),
      type: 'public-key',
      response: {
        clientDataJSON: b64u(Buffer.from(clientDataJSON)),
        attestationObject: b64u(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** navigator.credentials.get() with this authenticator's newest (or a given) credential. */
  assert(
    options: AuthenticationOptionsJSON,
    o: CeremonyOverrides & { credential?: SoftCredential } = {},
  ): AuthenticationResponseJSON {
    const cred = o.credential ?? this.credentials[this.credentials.length - 1];
    if (!cred) throw new Error('soft authenticator has no credential');
    if (o.counter !== undefined) cred.counter = o.counter;
    else cred.counter += this.opts.counterStep ?? 1;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(cred.counter);
    const authData = Buffer.concat([
      sha256(o.rpId ?? options.rpId ?? cred.rpId),
      Buffer.from([o.flags ?? this.flags()]),
      count,
    ]);
    const clientDataJSON = Buffer.from(
      JSON.stringify({
        type: o.type ?? 'webauthn.get',
        challenge: o.challenge ?? options.challenge,
        origin: o.origin ?? this.origin,
        crossOrigin: o.crossOrigin ?? false,
        ...(o.topOrigin !== undefined ? { topOrigin: o.topOrigin } : {}),
      }),
    );
    const signature = sign(
      'sha256',
      Buffer.concat([authData, sha256(clientDataJSON)]),
      cred.privateKey,
    );
    if (o.tamperSignature) signature[signature.length - 1]! ^= 0x01;
    const userHandle = o.userHandle === undefined ? cred.userHandle : o.userHandle;
    return {
      id: b64u(cred.id),
      rawId: b64u(cred.id),
      type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }
}
