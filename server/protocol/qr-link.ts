/**
 * The QR link, the one contract between the desktop's QR and the phone's pair page.
 *
 * v2 (what the desktop emits): `<ORIGIN>/m/pair#2<157 digits>`.
 * - The digits are the decimal form of 65 bytes: the desktop's compressed P-256 public key
 *   (33, ./p256-point.ts) then the 32-byte QR secret (the HPKE PSK), zero-padded to 157 digits.
 *   The leading `2` is the link version.
 * - The pairing id is not in the link: it is derived from the key (./pairing-id.ts), by the relay
 *   when the desktop creates the pairing and by the phone when it reads the link.
 * - Scheme and host are written in capitals (they are case-insensitive) and the payload is
 *   digits, so a QR encoder packs the origin in alphanumeric mode (5.5 bits a character) and the
 *   payload in numeric mode (3.33 bits a digit, under 1% above the 520 bits it carries); only
 *   `/m/pair#` goes in byte mode, because the path is what the server serves, in lower case.
 *   For a 30-character https origin that is a version 6 QR at ECC M (test/bench/qr-size.ts).
 *
 * v1 (desktops before v2): `<origin>/m/pair#v=1&p=<pairingId>&k=<65-byte key>&s=<secret>`, all
 * base64url. The phone still reads it: it is as strong as v2 (same channel, same 32-byte secret,
 * a random 128-bit id), and the pair page is served by the server, which is always newer than
 * the desktops installed out there. Any other version gets `wrong-version`.
 *
 * Everything secret sits in the fragment, which browsers never send to a server (and which the
 * pair page removes from the address bar as soon as it has read it).
 */
import { PUBLIC_KEY_BYTES, QR_SECRET_BYTES, fromBase64Url, toBase64Url } from './channel';
import { COMPRESSED_KEY_BYTES, compressP256, decompressP256 } from './p256-point';
import { derivePairingId } from './pairing-id';
import { PairingId } from './tunnel';

export const PAIR_PATH = '/m/pair';
export const QR_LINK_VERSION = 2;

const PAYLOAD_BYTES = COMPRESSED_KEY_BYTES + QR_SECRET_BYTES;
/** Digits of the largest 65-byte number, 2^520 − 1. */
const PAYLOAD_DIGITS = 157;
const PAYLOAD_LIMIT = 1n << BigInt(PAYLOAD_BYTES * 8);

export type QrLink = {
  /** The RP origin the phone must open (scheme://host[:port]); empty when parsing a bare fragment. */
  origin: string;
  /** Which link version it came in (1 or 2). */
  version: 1 | 2;
  pairingId: string;
  /** base64url uncompressed P-256 public key (what the channel imports) */
  desktopPublicKey: string;
  /** base64url 32-byte secret (HPKE PSK) */
  secret: string;
};

export type QrLinkErrorCode =
  /** not a URL at all, or not a pair link */
  | 'malformed'
  /** a link from a newer or older protocol version */
  | 'wrong-version'
  /** a required part is absent */
  | 'missing-part'
  /** a part is present but cannot be right (wrong length, not base64url, not a key) */
  | 'bad-part';

export class QrLinkError extends Error {
  override readonly name = 'QrLinkError';
  constructor(
    readonly code: QrLinkErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The v2 link for a desktop key (base64url, uncompressed) and QR secret (base64url). */
export function buildQrLink(link: { origin: string; desktopPublicKey: string; secret: string }) {
  const key = compressP256(fromBase64Url(link.desktopPublicKey));
  const secret = fromBase64Url(link.secret);
  if (secret.length !== QR_SECRET_BYTES) throw new Error('the QR secret must be 32 bytes');
  let n = 0n;
  for (const byte of [...key, ...secret]) n = (n << 8n) | BigInt(byte);
  const digits = n.toString().padStart(PAYLOAD_DIGITS, '0');
  return `${new URL(link.origin).origin.toUpperCase()}${PAIR_PATH}#${QR_LINK_VERSION}${digits}`;
}

/** The compressed form of a desktop key (base64url in, base64url out), as `pair:create` sends it. */
export function compressedKey(desktopPublicKey: string): string {
  return toBase64Url(compressP256(fromBase64Url(desktopPublicKey)));
}

/**
 * Parse a full link (desktop tests, CLI) or just its fragment (the pair page passes
 * `location.hash`). Rejects with QrLinkError, with a code the phone page turns into plain words.
 */
export async function parseQrLink(input: string): Promise<QrLink> {
  let origin = '';
  let fragment: string;
  if (input.startsWith('#') || !input.includes('://')) {
    // Stryker disable next-line Regex: this branch has either a leading '#' or none at all (a bare v2 or v1 fragment holds no '#'), so the first '#' is the leading one.
    fragment = input.replace(/^#/, '');
  } else {
    let url: URL;
    try {
      url = new URL(input);
    } catch {
      throw new QrLinkError('malformed', 'This is not a Keybridge sign-in link.');
    }
    if (url.pathname.replace(/\/+$/, '') !== PAIR_PATH) {
      throw new QrLinkError('malformed', 'This is not a Keybridge sign-in link.');
    }
    origin = url.origin;
    // Stryker disable next-line Regex: URL.hash is empty or starts with its one '#'.
    fragment = url.hash.replace(/^#/, '');
  }
  // Stryker disable next-line ConditionalExpression: an empty fragment has no version either, and parseV1 refuses it as missing-part too.
  if (!fragment) throw new QrLinkError('missing-part', 'The link is incomplete.');
  // v2 fragments start with their version digit; v1 ones with `v=`.
  if (/^[0-9]/.test(fragment)) return { origin, ...(await parseV2(fragment)) };
  return { origin, ...parseV1(fragment) };
}

const wrongVersion = () =>
  new QrLinkError(
    'wrong-version',
    'This link was made by a different version of Keybridge. Update the app and try again.',
  );

async function parseV2(fragment: string): Promise<Omit<QrLink, 'origin'>> {
  if (fragment[0] !== String(QR_LINK_VERSION)) throw wrongVersion();
  const digits = fragment.slice(1);
  if (!new RegExp(`^[0-9]{${PAYLOAD_DIGITS}}$`).test(digits)) {
    throw new QrLinkError('bad-part', 'The link is damaged (wrong length).');
  }
  const n = BigInt(digits);
  // Stryker disable next-line EqualityOperator: exactly 2^520 leaves 65 zero bytes, no key prefix, refused as bad-part below.
  if (n >= PAYLOAD_LIMIT) throw new QrLinkError('bad-part', 'The link is damaged (too large).');
  const bytes = new Uint8Array(PAYLOAD_BYTES);
  let v = n;
  for (let i = PAYLOAD_BYTES - 1; i >= 0; i--) {
    bytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  const key = bytes.subarray(0, COMPRESSED_KEY_BYTES);
  let uncompressed: Uint8Array;
  try {
    uncompressed = decompressP256(key);
  } catch {
    throw new QrLinkError('bad-part', 'The link is damaged (desktop key).');
  }
  return {
    version: 2,
    pairingId: await derivePairingId(key),
    desktopPublicKey: toBase64Url(uncompressed),
    secret: toBase64Url(bytes.subarray(COMPRESSED_KEY_BYTES)),
  };
}

function parseV1(fragment: string): Omit<QrLink, 'origin'> {
  const params = new URLSearchParams(fragment);
  const v = params.get('v');
  if (v === null) throw new QrLinkError('missing-part', 'The link has no version.');
  if (v !== '1') throw wrongVersion();
  const p = params.get('p');
  const k = params.get('k');
  const s = params.get('s');
  if (!p || !k || !s) throw new QrLinkError('missing-part', 'The link is incomplete.');
  if (!PairingId.safeParse(p).success) {
    throw new QrLinkError('bad-part', 'The link is damaged (pairing id).');
  }
  if (!hasLength(k, PUBLIC_KEY_BYTES)) {
    throw new QrLinkError('bad-part', 'The link is damaged (desktop key).');
  }
  if (!hasLength(s, QR_SECRET_BYTES)) {
    throw new QrLinkError('bad-part', 'The link is damaged (secret).');
  }
  return { version: 1, pairingId: p, desktopPublicKey: k, secret: s };
}

function hasLength(b64u: string, bytes: number): boolean {
  try {
    return fromBase64Url(b64u).length === bytes;
  } catch {
    return false;
  }
}
