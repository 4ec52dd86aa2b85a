/**
 * `verifyAuthenticationResponse` of @simplewebauthn/server (v14), check for check and in its
 * order, for passkeys with an ES256 key on P-256, with the cryptography done by node:crypto on
 * the calling thread: the credential's public key is imported once (a KeyObject, bounded LRU
 * keyed by the stored COSE key) and the two SHA-256 hashes and the ECDSA check are synchronous.
 * The library imports the key from JWK and schedules three WebCrypto jobs on the libuv pool
 * for every sign-in (issue 10's profile: about 15% of the server's CPU per sign-in).
 *
 * Everything this path is not sure of goes to the library itself, so it can only refuse more,
 * never accept more: any other key type, a stored key that does not import, a signature that
 * is not strict DER of two non-negative integers. Every relying-party check stays: type,
 * challenge, cross-origin and top origin, origin, encodings, user handle type, token binding,
 * RP ID hash, user presence and verification, counter, backup flags, signature.
 * test/server/assertion-verifier.test.ts holds it against the library on a corpus of real and
 * mutated responses.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { sha256Bytes } from '../util/hash';
import {
  verifyAuthenticationResponse,
  type VerifiedAuthenticationResponse,
  type VerifyAuthenticationResponseOpts,
} from '@simplewebauthn/server';
import {
  cose,
  decodeClientDataJSON,
  decodeCredentialPublicKey,
  isoBase64URL,
  isoUint8Array,
  parseAuthenticatorData,
} from '@simplewebauthn/server/helpers';
import { Lru } from '../util/lru';

/** The options login-routes.ts passes: one challenge, a list of origins, one RP ID, UV required. */
export type AssertionCheck = Pick<
  VerifyAuthenticationResponseOpts,
  'response' | 'credential' | 'expectedRPID'
> & {
  expectedChallenge: string;
  expectedOrigin: string[];
  expectedRPID: string;
};

/** Enough for every passkey that signs in within a few minutes on one node; ~1 KB each. */
export const PUBLIC_KEY_CACHE_SIZE = 10_000;

/** P-256 signature components are 32 bytes (WebCrypto's IEEE P1363 form is r ‖ s). */
const P256_COMPONENT = 32;

const sha256 = (data: Uint8Array) => sha256Bytes(data);
const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length &&
  Buffer.from(a.buffer, a.byteOffset, a.length).equals(
    Buffer.from(b.buffer, b.byteOffset, b.length),
  );

export class AssertionVerifier {
  /** A KeyObject for fast-path keys; null for a key the library must handle. */
  private readonly keys: Lru<string, KeyObject | null>;
  private readonly rpIdHashes = new Map<string, Uint8Array<ArrayBuffer>>();

  constructor(maxKeys = PUBLIC_KEY_CACHE_SIZE) {
    this.keys = new Lru(maxKeys);
  }

  /** How many responses went to the library (other key types, non-strict DER). */
  delegated = 0;

  get cachedKeys(): number {
    return this.keys.size;
  }

  async verify(check: AssertionCheck): Promise<VerifiedAuthenticationResponse> {
    const key = this.keyFor(check.credential.publicKey);
    const library = () => {
      this.delegated++;
      return verifyAuthenticationResponse({ ...check, requireUserVerification: true });
    };
    if (!key) return library();

    // From here on the library's steps (esm/authentication/verifyAuthenticationResponse.js).
    const { response, expectedChallenge, expectedOrigin, expectedRPID, credential } = check;
    const { id, rawId, type: credentialType, response: assertionResponse } = response;
    if (!id) throw new Error('Missing credential ID');
    if (id !== rawId) throw new Error('Credential ID was not base64url-encoded');
    if (credentialType !== 'public-key')
      throw new Error(
        `Unexpected credential type ${String(credentialType)}, expected "public-key"`,
      );
    if (typeof assertionResponse?.clientDataJSON !== 'string')
      throw new Error('Credential response clientDataJSON was not a string');

    const clientDataJSON = decodeClientDataJSON(assertionResponse.clientDataJSON);
    const { type, origin, challenge, tokenBinding, crossOrigin, topOrigin } = clientDataJSON;
    // Messages name the failed check only: refusal-reason.ts labels them, and a challenge must
    // never reach a log (the library quotes it; its messages are never logged either).
    if (type !== 'webauthn.get') throw new Error('Unexpected authentication response type');
    if (challenge !== expectedChallenge)
      throw new Error('Unexpected authentication response challenge');
    if (crossOrigin) {
      // No expected top origin is configured: a framed response naming its top is refused.
      if (topOrigin)
        throw new Error('Detected cross-origin authentication response from a top origin');
    } else if (topOrigin) {
      throw new Error('Unexpected top origin within a non-cross-origin authentication response');
    }
    if (!expectedOrigin.includes(origin))
      throw new Error('Unexpected authentication response origin');
    if (!isoBase64URL.isBase64URL(assertionResponse.authenticatorData))
      throw new Error('Credential response authenticatorData was not a base64url string');
    if (!isoBase64URL.isBase64URL(assertionResponse.signature))
      throw new Error('Credential response signature was not a base64url string');
    if (assertionResponse.userHandle && typeof assertionResponse.userHandle !== 'string')
      throw new Error('Credential response userHandle was not a string');
    if (tokenBinding) {
      if (typeof tokenBinding !== 'object')
        throw new Error('ClientDataJSON tokenBinding was not an object');
      if (!['present', 'supported', 'notSupported'].includes(tokenBinding.status))
        throw new Error('Unexpected tokenBinding status');
    }

    const authData = isoBase64URL.toBuffer(assertionResponse.authenticatorData);
    const { rpIdHash, flags, counter, extensionsData } = parseAuthenticatorData(authData);
    // Same test as the library's isoUint8Array.areEqual (length, then every byte), in native
    // code: the library's Array#every with a closure showed up at 4% of a sign-in's CPU.
    if (!sameBytes(rpIdHash, this.rpIdHash(expectedRPID))) throw new Error('Unexpected RP ID hash');
    if (!flags.up) throw new Error('User not present during authentication');
    if (!flags.uv) throw new Error('User verification required, but user could not be verified');

    const clientDataHash = sha256(isoBase64URL.toBuffer(assertionResponse.clientDataJSON));
    const signatureBase = isoUint8Array.concat([authData, clientDataHash]);
    const signature = isoBase64URL.toBuffer(assertionResponse.signature);
    if ((counter > 0 || credential.counter > 0) && counter <= credential.counter)
      throw new Error('Response counter value was lower than expected');

    // The library's parseBackupFlags.
    const credentialDeviceType = flags.be ? 'multiDevice' : 'singleDevice';
    if (credentialDeviceType === 'singleDevice' && flags.bs)
      throw new Error(
        'Single-device credential indicated that it was backed up, which should be impossible.',
      );

    const p1363 = strictDerToP1363(signature);
    if (!p1363) return library();
    return {
      verified: verify('sha256', signatureBase, { key, dsaEncoding: 'ieee-p1363' }, p1363),
      authenticationInfo: {
        newCounter: counter,
        credentialID: credential.id,
        userVerified: flags.uv,
        credentialDeviceType,
        credentialBackedUp: flags.bs,
        authenticatorExtensionResults: extensionsData,
        origin,
        rpID: expectedRPID,
      },
    };
  }

  private rpIdHash(rpId: string): Uint8Array<ArrayBuffer> {
    let hash = this.rpIdHashes.get(rpId);
    if (!hash) {
      // As the library hashes it (one byte per UTF-16 unit).
      hash = new Uint8Array(sha256(isoUint8Array.fromASCIIString(rpId)));
      this.rpIdHashes.set(rpId, hash);
    }
    return hash;
  }

  private keyFor(publicKey: Uint8Array<ArrayBuffer>): KeyObject | null {
    const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString(
      'base64url',
    );
    const cached = this.keys.get(id);
    if (cached !== undefined) return cached;
    const key = importEs256(publicKey);
    this.keys.set(id, key);
    return key;
  }
}

/** An ES256 P-256 COSE key as a KeyObject, or null for anything else (the library's case). */
function importEs256(publicKey: Uint8Array<ArrayBuffer>): KeyObject | null {
  try {
    const decoded = decodeCredentialPublicKey(publicKey);
    if (!cose.isCOSEPublicKeyEC2(decoded)) return null;
    const x = decoded.get(cose.COSEKEYS.x);
    const y = decoded.get(cose.COSEKEYS.y);
    if (
      decoded.get(cose.COSEKEYS.alg) !== cose.COSEALG.ES256 ||
      decoded.get(cose.COSEKEYS.crv) !== cose.COSECRV.P256 ||
      !(x instanceof Uint8Array) ||
      !(y instanceof Uint8Array) ||
      x.length !== P256_COMPONENT ||
      y.length !== P256_COMPONENT
    )
      return null;
    return createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: isoBase64URL.fromBuffer(x),
        y: isoBase64URL.fromBuffer(y),
      },
      format: 'jwk',
    });
  } catch {
    return null;
  }
}

/**
 * A DER ECDSA-Sig-Value (SEQUENCE of INTEGER r, INTEGER s) as r ‖ s of 32 bytes each, exactly
 * as the library's unwrapEC2Signature normalises it, or null for anything but strict minimal
 * DER of two non-negative integers with nothing after (the library then decides).
 */
export function strictDerToP1363(sig: Uint8Array): Buffer | null {
  // A P-256 signature is at most 72 bytes, so its SEQUENCE length is in short form.
  if (sig.length < 8 || sig[0] !== 0x30 || sig[1] !== sig.length - 2) return null;
  const out = Buffer.alloc(2 * P256_COMPONENT);
  let at = 2;
  for (let part = 0; part < 2; part++) {
    if (sig[at] !== 0x02) return null;
    const len = sig[at + 1] ?? 0;
    const start = at + 2;
    if (len < 1 || start + len > sig.length) return null;
    const first = sig[start] ?? 0;
    const second = sig[start + 1] ?? 0;
    if (first & 0x80) return null; // negative
    if (len > 1 && first === 0 && !(second & 0x80)) return null; // not minimal
    let value = sig.subarray(start, start + len);
    if (len === P256_COMPONENT + 1) {
      if (first !== 0) return null; // larger than the curve allows: the library's error
      value = value.subarray(1);
    } else if (len > P256_COMPONENT + 1) {
      return null;
    }
    out.set(value, part * P256_COMPONENT + (P256_COMPONENT - value.length));
    at = start + len;
  }
  return at === sig.length ? out : null;
}
