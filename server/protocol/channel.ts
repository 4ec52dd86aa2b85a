/**
 * The end-to-end channel between phone and desktop (docs/architecture.md §Tunnel protocol). The relay only ever
 * sees what `seal` returns.
 *
 * HPKE (RFC 9180) in PSK mode with DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, via
 * @hpke/core, which uses WebCrypto only, so this file runs unchanged in Node 20 and in the
 * phone's browser (no Buffer, no node: imports).
 *
 * - The phone is the HPKE sender to the desktop's public key from the QR; PSK = the 32-byte QR
 *   secret, psk_id = "keybridge-pair-v1" + pairingId. A relay (or anyone) who does not hold
 *   the QR secret cannot make a context the desktop accepts, and cannot read what the phone
 *   seals. Substituting the phone's ephemeral key (enc) breaks decryption.
 * - Phone -> desktop: HPKE seal. HPKE's sequence numbers are implicit, so a replayed,
 *   reordered, dropped or edited frame fails to open.
 * - Desktop -> phone: AES-128-GCM with a key exported from the same context
 *   (export("desktop->phone", 16)) and an implicit counter nonce, for the same reasons.
 * - Any failure throws ChannelError and the channel refuses all further use: callers close the
 *   pairing (pair:cancel reason channel-error).
 *
 * Frames: 1 type byte (1 = handshake: enc || ciphertext, 2 = data: ciphertext), base64url.
 * Plaintext: UTF-8 JSON, zero-padded to a multiple of 256 bytes so sizes leak less.
 */
import { Aes128Gcm, CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';
import type { SenderContext } from '@hpke/core';
import {
  DesktopToPhone,
  MAX_MESSAGE_CHARS,
  PairingId,
  PhoneToDesktop,
  type DesktopToPhone as DesktopToPhoneMsg,
  type PhoneToDesktop as PhoneToDesktopMsg,
} from './tunnel';

export const CHANNEL_LABEL = 'keybridge-pair-v1';
export const QR_SECRET_BYTES = 32;
/** Uncompressed P-256 point. */
export const PUBLIC_KEY_BYTES = 65;
const ENC_BYTES = 65;
const TAG_BYTES = 16;
const PAD_BLOCK = 256;
const FRAME_HANDSHAKE = 1;
const FRAME_DATA = 2;
// Stryker disable next-line StringLiteral: both sides export with this one constant; any other label ("" too) keys them alike.
const EXPORT_LABEL = 'desktop->phone';

export type ChannelErrorCode =
  /** the frame did not decrypt: tampered, replayed, reordered, or the wrong key/secret */
  | 'open-failed'
  /** the frame is not a frame we expect at this point (wrong type, too short, not base64url) */
  | 'bad-frame'
  /** it decrypted, but the JSON is not a message this side accepts */
  | 'bad-message'
  /** the desktop public key or the QR secret is not usable */
  | 'bad-key'
  /** the message would not fit in one relay message */
  | 'too-large'
  /** the desktop tried to send before the phone's hello arrived */
  | 'not-ready'
  /** a previous failure ended this channel */
  | 'closed';

export class ChannelError extends Error {
  override readonly name = 'ChannelError';
  constructor(
    readonly code: ChannelErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// ------------------------------------------------------------------ base64url (no Buffer)

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  // Stryker disable next-line EqualityOperator: one more round adds the empty subarray, which encodes to nothing.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  // Stryker disable next-line Regex: btoa writes '=' only at the end, so /=+/ and /=+$/ remove the same characters.
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Throws a plain Error on anything that is not canonical base64url: unpadded, url-safe
 * alphabet, and no second spelling of the same bytes (unused low bits of the last character
 * must be zero), so a key, secret or frame has exactly one text form.
 */
export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new Error('not base64url');
  }
  const padded =
    // Stryker disable next-line StringLiteral,ArithmeticOperator: atob (forgiving-base64) decodes unpadded input alike; the padding only spells it out.
    text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  const out = new Uint8Array(binary.length);
  // Stryker disable next-line EqualityOperator: the extra write at out[length] falls outside the typed array and is dropped.
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  if (toBase64Url(out) !== text) throw new Error('not base64url');
  return out;
}

function utf8(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>;
}

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  globalThis.crypto.getRandomValues(out);
  return out;
}

// ------------------------------------------------------------------ keys

const suite = new CipherSuite({
  kem: new DhkemP256HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes128Gcm(),
});

export type DesktopKeys = {
  /** Stays in the desktop process; never serialised. */
  keyPair: CryptoKeyPair;
  /** base64url of the uncompressed P-256 public key, for the QR link. */
  publicKey: string;
};

/** A fresh ephemeral key pair for one QR. */
export async function generateDesktopKeys(): Promise<DesktopKeys> {
  const keyPair = await suite.kem.generateKeyPair();
  const raw = new Uint8Array(await suite.kem.serializePublicKey(keyPair.publicKey));
  return { keyPair, publicKey: toBase64Url(raw) };
}

/** A fresh 32-byte QR secret, base64url (the HPKE PSK). */
export function generateQrSecret(): string {
  return toBase64Url(randomBytes(QR_SECRET_BYTES));
}

type ChannelParams = { pairingId: string; secret: string };

function pskFor({ pairingId, secret }: ChannelParams) {
  if (!PairingId.safeParse(pairingId).success) {
    throw new ChannelError('bad-key', 'The pairing id is not valid.');
  }
  let key: Uint8Array<ArrayBuffer>;
  try {
    key = fromBase64Url(secret);
  } catch {
    throw new ChannelError('bad-key', 'The QR secret is not base64url.');
  }
  if (key.length !== QR_SECRET_BYTES) {
    throw new ChannelError('bad-key', `The QR secret must be ${QR_SECRET_BYTES} bytes.`);
  }
  // Stryker disable next-line ArithmeticOperator: the AAD (aadFor) binds the pairing too; with either binding alone a moved frame fails (test/protocol/channel-rules.test.ts).
  return { id: utf8(CHANNEL_LABEL + pairingId), key };
}

// Stryker disable next-line ArrowFunction: a constant label on both sides; HPKE's empty default info is as good for one protocol.
const info = () => utf8(CHANNEL_LABEL);
/** Bind every frame to its pairing and direction, so a frame cannot be moved elsewhere. */
// Stryker disable next-line ArrowFunction,StringLiteral: defence in depth: psk_id (pskFor) binds the pairing and each direction has its own key; with either binding alone a moved frame fails (test/protocol/channel-rules.test.ts).
const aadFor = (pairingId: string, direction: 'p2d' | 'd2p') =>
  // Stryker disable next-line StringLiteral: as above.
  utf8(`${CHANNEL_LABEL}|${direction}|${pairingId}`);

async function importDirectionKey(ctx: SenderContext | HpkeRecipientContext): Promise<CryptoKey> {
  const raw = await ctx.export(utf8(EXPORT_LABEL), 16);
  // Stryker disable next-line BooleanLiteral: the CryptoKey never leaves this module; nothing here exports it, extractable or not.
  return globalThis.crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, [
    'encrypt',
    'decrypt',
  ]);
}

function counterNonce(counter: number): Uint8Array<ArrayBuffer> {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setUint32(8, counter);
  return nonce;
}

// ------------------------------------------------------------------ framing and padding

function encodePlaintext(message: unknown): Uint8Array<ArrayBuffer> {
  const json = utf8(JSON.stringify(message));
  const padded = new Uint8Array(Math.ceil((json.length + 1) / PAD_BLOCK) * PAD_BLOCK);
  padded.set(json);
  return padded;
}

function decodePlaintext(bytes: Uint8Array): unknown {
  let end = bytes.length;
  // Stryker disable next-line ConditionalExpression,EqualityOperator: at end 0, bytes[-1] is undefined, not 0, so the loop stops there anyway.
  while (end > 0 && bytes[end - 1] === 0) end--;
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end)));
  } catch {
    throw new ChannelError('bad-message', 'The message is not JSON.');
  }
}

function frame(type: number, ...parts: Uint8Array[]): string {
  const total = 1 + parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(total);
  out[0] = type;
  let at = 1;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  const text = toBase64Url(out);
  // Stryker disable next-line EqualityOperator: no frame is exactly MAX_MESSAGE_CHARS long (16384 chars are 12288 bytes; frames are 17 or 82 bytes plus 256-byte blocks).
  if (text.length > MAX_MESSAGE_CHARS) {
    throw new ChannelError('too-large', 'The message is too large for the relay.');
  }
  return text;
}

function unframe(data: string): { type: number; body: Uint8Array<ArrayBuffer> } {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = fromBase64Url(data);
  } catch {
    throw new ChannelError('bad-frame', 'The frame is not base64url.');
  }
  if (bytes.length < 1 + TAG_BYTES) throw new ChannelError('bad-frame', 'The frame is too short.');
  // The length check above guarantees byte 0.
  return { type: bytes[0]!, body: bytes.subarray(1) };
}

function parseOr<T>(
  schema: { safeParse(v: unknown): { success: boolean; data?: T } },
  value: unknown,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ChannelError('bad-message', 'Unexpected message in the channel.');
  return parsed.data as T;
}

/**
 * Runs steps one at a time in call order (frames must be sealed and opened in exactly the
 * order they travel) and poisons the channel after the first failure.
 */
class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  private failed = false;

  run<T>(step: () => Promise<T>): Promise<T> {
    const next = this.tail.then(async () => {
      if (this.failed) throw new ChannelError('closed', 'The channel was closed after an error.');
      try {
        return await step();
      } catch (err) {
        this.failed = true;
        if (err instanceof ChannelError) throw err;
        throw new ChannelError('open-failed', 'The message could not be opened.');
      }
    });
    this.tail = next.catch(() => undefined);
    return next;
  }

  get broken(): boolean {
    return this.failed;
  }
}

// ------------------------------------------------------------------ phone side

export interface PhoneChannel {
  /** Seal a message for the desktop. The first call produces the handshake frame. */
  seal(message: PhoneToDesktopMsg): Promise<string>;
  /** Open a frame from the desktop. Throws ChannelError on any failure. */
  open(data: string): Promise<DesktopToPhoneMsg>;
  readonly broken: boolean;
}

/** Phone: set up the sender context to the desktop's public key from the QR. */
export async function openPhoneChannel(params: {
  pairingId: string;
  desktopPublicKey: string;
  secret: string;
}): Promise<PhoneChannel> {
  const psk = pskFor(params);
  let recipientPublicKey: CryptoKey;
  try {
    const raw = fromBase64Url(params.desktopPublicKey);
    // Stryker disable next-line ConditionalExpression,StringLiteral: @hpke/core refuses any other length too (test/protocol/channel-rules.test.ts tries the compressed form); this says so first.
    if (raw.length !== PUBLIC_KEY_BYTES) throw new Error('length');
    recipientPublicKey = await suite.kem.deserializePublicKey(raw);
  } catch {
    throw new ChannelError('bad-key', 'The desktop key in the link is not valid.');
  }
  const sender = await suite.createSenderContext({ recipientPublicKey, psk, info: info() });
  const d2pKey = await importDirectionKey(sender);
  const enc = new Uint8Array(sender.enc);
  const p2dAad = aadFor(params.pairingId, 'p2d');
  const d2pAad = aadFor(params.pairingId, 'd2p');
  const serial = new Serial();
  let sentHandshake = false;
  let received = 0;

  return {
    seal: (message) =>
      serial.run(async () => {
        const sealed = new Uint8Array(await sender.seal(encodePlaintext(message), p2dAad));
        if (sentHandshake) return frame(FRAME_DATA, sealed);
        sentHandshake = true;
        return frame(FRAME_HANDSHAKE, enc, sealed);
      }),
    open: (data) =>
      serial.run(async () => {
        const { type, body } = unframe(data);
        if (type !== FRAME_DATA) throw new ChannelError('bad-frame', 'Unexpected frame type.');
        const plain = await globalThis.crypto.subtle
          .decrypt(
            { name: 'AES-GCM', iv: counterNonce(received), additionalData: d2pAad },
            d2pKey,
            body,
          )
          .catch(() => {
            throw new ChannelError(
              'open-failed',
              'The message from the desktop could not be opened.',
            );
          });
        received++;
        return parseOr<DesktopToPhoneMsg>(DesktopToPhone, decodePlaintext(new Uint8Array(plain)));
      }),
    get broken() {
      return serial.broken;
    },
  };
}

// ------------------------------------------------------------------ desktop side

/** An HPKE recipient context (RFC 9180 §5.2, §5.3), as far as the desktop uses one. */
export interface HpkeRecipientContext {
  open(ciphertext: Uint8Array, aad: Uint8Array): Promise<ArrayBuffer>;
  export(exporterContext: Uint8Array, length: number): Promise<ArrayBuffer>;
}

/**
 * The desktop's private key as the one thing it does: SetupPSKR for the phone's enc. The
 * desktop app passes its node:crypto recipient (electron/services/qr/hpke-recipient.ts);
 * a WebCrypto key pair goes through @hpke/core.
 */
export interface HpkeRecipientKey {
  setup(params: {
    enc: Uint8Array;
    psk: { id: Uint8Array; key: Uint8Array };
    info: Uint8Array;
  }): Promise<HpkeRecipientContext>;
}

export interface DesktopChannel {
  /** Open a frame from the phone; the first must be the handshake carrying `hello`. */
  open(data: string): Promise<PhoneToDesktopMsg>;
  /** Seal a message for the phone; only after the handshake was opened. */
  seal(message: DesktopToPhoneMsg): Promise<string>;
  readonly ready: boolean;
  readonly broken: boolean;
}

/** Desktop: wait for the phone's handshake, using the QR's key pair and secret. */
export function createDesktopChannel(
  params: { pairingId: string; secret: string } & (
    { keyPair: CryptoKeyPair } | { recipient: HpkeRecipientKey }
  ),
): DesktopChannel {
  const psk = pskFor(params);
  const recipientKey: HpkeRecipientKey =
    'recipient' in params
      ? params.recipient
      : {
          setup: (p) => suite.createRecipientContext({ recipientKey: params.keyPair, ...p }),
        };
  const p2dAad = aadFor(params.pairingId, 'p2d');
  const d2pAad = aadFor(params.pairingId, 'd2p');
  const serial = new Serial();
  let recipient: HpkeRecipientContext | undefined;
  let d2pKey: CryptoKey | undefined;
  let sent = 0;

  return {
    open: (data) =>
      serial.run(async () => {
        const { type, body } = unframe(data);
        let ciphertext: Uint8Array;
        if (!recipient) {
          if (type !== FRAME_HANDSHAKE || body.length < ENC_BYTES + TAG_BYTES) {
            throw new ChannelError('bad-frame', 'Expected the handshake frame first.');
          }
          const enc = body.slice(0, ENC_BYTES);
          ciphertext = body.subarray(ENC_BYTES);
          try {
            recipient = await recipientKey.setup({ enc, psk, info: info() });
          } catch {
            throw new ChannelError('open-failed', 'The phone key is not valid.');
          }
        } else {
          if (type !== FRAME_DATA) throw new ChannelError('bad-frame', 'Unexpected frame type.');
          ciphertext = body;
        }
        const ctx = recipient;
        const plain = await ctx.open(ciphertext, p2dAad).catch(() => {
          throw new ChannelError('open-failed', 'The message from the phone could not be opened.');
        });
        // Only a context that opened the handshake may derive the reply key.
        // Stryker disable next-line ConditionalExpression: the export from one context is the same key every time; deriving it again changes nothing.
        if (!d2pKey) d2pKey = await importDirectionKey(ctx);
        const message = parseOr<PhoneToDesktopMsg>(
          PhoneToDesktop,
          decodePlaintext(new Uint8Array(plain)),
        );
        if (type === FRAME_HANDSHAKE && message.type !== 'hello') {
          throw new ChannelError('bad-message', 'The first message must be hello.');
        }
        return message;
      }),
    seal: (message) =>
      serial.run(async () => {
        if (!d2pKey) throw new ChannelError('not-ready', 'The phone has not said hello yet.');
        const sealed = await globalThis.crypto.subtle.encrypt(
          { name: 'AES-GCM', iv: counterNonce(sent), additionalData: d2pAad },
          d2pKey,
          encodePlaintext(message),
        );
        sent++;
        return frame(FRAME_DATA, new Uint8Array(sealed));
      }),
    get ready() {
      return d2pKey !== undefined && !serial.broken;
    },
    get broken() {
      return serial.broken;
    },
  };
}
