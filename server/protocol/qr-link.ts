/**
 * The QR link: `<origin>/m/pair#v=1&p=<pairingId>&k=<desktop public key>&s=<QR secret>`.
 * Everything secret sits in the fragment, which browsers never send to a server (and which the
 * pair page removes from the address bar as soon as it has read it).
 */
import { PUBLIC_KEY_BYTES, QR_SECRET_BYTES, fromBase64Url } from './channel';
import { PairingId, TUNNEL_PROTOCOL_VERSION } from './tunnel';

export const PAIR_PATH = '/m/pair';

export type QrLink = {
  /** The RP origin the phone must open (scheme://host[:port]); empty when parsing a bare fragment. */
  origin: string;
  pairingId: string;
  /** base64url uncompressed P-256 public key */
  desktopPublicKey: string;
  /** base64url 32-byte secret (HPKE PSK) */
  secret: string;
};

export type QrLinkErrorCode =
  /** not a URL at all, or not a pair link */
  | 'malformed'
  /** a link from a newer or older protocol version */
  | 'wrong-version'
  /** a required part (v, p, k, s) is absent */
  | 'missing-part'
  /** a part is present but cannot be right (wrong length, not base64url) */
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

export function buildQrLink(link: QrLink): string {
  const origin = link.origin.replace(/\/+$/, '');
  const params = new URLSearchParams({
    v: String(TUNNEL_PROTOCOL_VERSION),
    p: link.pairingId,
    k: link.desktopPublicKey,
    s: link.secret,
  });
  return `${origin}${PAIR_PATH}#${params.toString()}`;
}

/**
 * Parse a full link (desktop tests, CLI) or just its fragment (the pair page passes
 * `location.hash`). Throws QrLinkError with a code the phone page turns into plain words.
 */
export function parseQrLink(input: string): QrLink {
  let origin = '';
  let fragment: string;
  if (input.startsWith('#') || !input.includes('://')) {
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
    fragment = url.hash.replace(/^#/, '');
  }
  if (!fragment) throw new QrLinkError('missing-part', 'The link is incomplete.');

  const params = new URLSearchParams(fragment);
  const v = params.get('v');
  if (v === null) throw new QrLinkError('missing-part', 'The link has no version.');
  if (v !== String(TUNNEL_PROTOCOL_VERSION)) {
    throw new QrLinkError(
      'wrong-version',
      'This link was made by a different version of Keybridge. Update the app and try again.',
    );
  }
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
  return { origin, pairingId: p, desktopPublicKey: k, secret: s };
}

function hasLength(b64u: string, bytes: number): boolean {
  try {
    return fromBase64Url(b64u).length === bytes;
  } catch {
    return false;
  }
}
