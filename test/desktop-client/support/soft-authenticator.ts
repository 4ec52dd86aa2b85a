/**
 * A software passkey authenticator in Node, for the load test and the benchmark only, where
 * hundreds of phones at once would be too many Chromium pages. It makes what a platform
 * authenticator makes (WebAuthn L3 §6): a P-256 key per credential, `none` attestation,
 * authenticator data with UP+UV, a signature over authData || SHA-256(clientDataJSON); the
 * server verifies it with the same code it uses for Chromium's virtual authenticator.
 *
 * Everything else in those tests is real: the server, the relay, the HPKE channel, the desktop
 * client and the keychain.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationOptionsJSON,
  AuthenticationResponseJSON,
  RegistrationOptionsJSON,
  RegistrationResponseJSON,
} from '../../../server/protocol/api';

type Credential = {
  id: Buffer;
  privateKey: KeyObject;
  rpId: string;
  userHandle: string;
  counter: number;
};

const b64u = (b: Uint8Array | Buffer) => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

// --------------------------------------------------------------- minimal CBOR encoder

function head(major: number, n: number): Buffer {
  if (n < 24) return Buffer.from([(major << 5) | n]);
  if (n < 256) return Buffer.from([(major << 5) | 24, n]);
  if (n < 65536) return Buffer.from([(major << 5) | 25, n >> 8, n & 255]);
  const b = Buffer.alloc(5);
  b[0] = (major << 5) | 26;
  b.writeUInt32BE(n, 1);
  return b;
}

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor> | { [k: string]: Cbor };

function cbor(v: Cbor): Buffer {
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'string') {
    const s = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, s.length), s]);
  }
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), v]);
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v);
  return Buffer.concat([
    head(5, entries.length),
    ...entries.flatMap(([k, x]) => [cbor(k), cbor(x)]),
  ]);
}

// --------------------------------------------------------------- authenticator

export type SoftAuthenticator = {
  /** navigator.credentials.create, as the phone's browser would answer it */
  create(options: RegistrationOptionsJSON, origin: string): RegistrationResponseJSON;
  /** navigator.credentials.get (usernameless: the first credential for the RP ID) */
  get(options: AuthenticationOptionsJSON, origin: string): AuthenticationResponseJSON;
  readonly credentialCount: number;
};

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

export function createSoftAuthenticator(): SoftAuthenticator {
  const credentials: Credential[] = [];

  function authData(rpId: string, flags: number, counter: number, attested?: Buffer): Buffer {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), c, ...(attested ? [attested] : [])]);
  }

  return {
    get credentialCount() {
      return credentials.length;
    },

    create(options, origin) {
      const rpId = options.rp.id ?? new URL(origin).hostname;
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' });
      const id = randomBytes(16);
      // COSE_Key EC2 P-256 ES256: {1: 2, 3: -7, -1: 1, -2: x, -3: y}
      const cose = cbor(
        new Map<Cbor, Cbor>([
          [1, 2],
          [3, -7],
          [-1, 1],
          [-2, Buffer.from(jwk.x!, 'base64url')],
          [-3, Buffer.from(jwk.y!, 'base64url')],
        ]),
      );
      const idLen = Buffer.alloc(2);
      idLen.writeUInt16BE(id.length);
      const attested = Buffer.concat([Buffer.alloc(16) /* AAGUID: none */, idLen, id, cose]);
      const data = authData(rpId, FLAG_UP | FLAG_UV | FLAG_AT, 0, attested);
      const clientDataJSON = Buffer.from(
        JSON.stringify({
          type: 'webauthn.create',
          challenge: options.challenge,
          origin,
          crossOrigin: false,
        }),
      );
      credentials.push({ id, privateKey, rpId, userHandle: options.user.id, counter: 0 });
      return {
        id: b64u(id),
        rawId: b64u(id),
        type: 'public-key',
        response: {
          clientDataJSON: b64u(clientDataJSON),
          attestationObject: b64u(cbor({ fmt: 'none', attStmt: {}, authData: data })),
          transports: ['internal'],
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },

    get(options, origin) {
      const rpId = options.rpId ?? new URL(origin).hostname;
      const cred = credentials.find((c) => c.rpId === rpId);
      if (!cred) throw new Error(`no passkey for ${rpId}`);
      cred.counter += 1;
      const data = authData(rpId, FLAG_UP | FLAG_UV, cred.counter);
      const clientDataJSON = Buffer.from(
        JSON.stringify({
          type: 'webauthn.get',
          challenge: options.challenge,
          origin,
          crossOrigin: false,
        }),
      );
      const signature = sign(
        'sha256',
        Buffer.concat([data, sha256(clientDataJSON)]),
        cred.privateKey,
      );
      return {
        id: b64u(cred.id),
        rawId: b64u(cred.id),
        type: 'public-key',
        response: {
          clientDataJSON: b64u(clientDataJSON),
          authenticatorData: b64u(data),
          signature: b64u(signature),
          userHandle: cred.userHandle,
        },
        clientExtensionResults: {},
        authenticatorAttachment: 'platform',
      };
    },
  };
}
