/**
 * Tunnel protocol v1 (docs/architecture.md §Tunnel protocol): the socket.io events between a desktop, the relay
 * (namespace /tunnel) and a phone, and the end-to-end messages that travel inside the
 * encrypted channel (channel.ts). Imported unchanged by the relay (Node), the desktop client
 * (Node) and the phone approval page (browser), so it depends on zod only.
 *
 * The relay sees only the events in the first half of this file. Everything in the second
 * half is sealed by the channel before it is put into a `pair:msg`.
 */
import { z } from 'zod';

export const TUNNEL_PROTOCOL_VERSION = 1;
export const TUNNEL_NAMESPACE = '/tunnel';

/** Largest `pair:msg` data the relay forwards (base64url characters). */
export const MAX_MESSAGE_CHARS = 16 * 1024;

/** 128-bit random id, base64url (22 chars); same shape as api.ts PairingId. */
export const PairingId = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'expected a pairing id');
export type PairingId = z.infer<typeof PairingId>;

const IsoTime = z.string().max(40);

/** Who is on each end of a socket; a socket has exactly one role for its whole life. */
export const TunnelRole = z.enum(['desktop', 'phone']);
export type TunnelRole = z.infer<typeof TunnelRole>;

/**
 * What a pairing is for; the server fixes it when it links an attempt to the pairing.
 * step-up: a signed-in desktop asks the phone's passkey to confirm it is the account's owner
 * (server/step-up/passkey-routes.ts); like sign-in the desktop sends a `get` request.
 */
export const PairPurpose = z.enum(['sign-in', 'add-passkey', 'step-up']);
export type PairPurpose = z.infer<typeof PairPurpose>;

/**
 * base64url (no padding) SHA-256 of a WebAuthn challenge. One function for the relay (which
 * puts it in the join ack) and the phone (which compares it with the desktop's request), so
 * both hash the same bytes the same way. WebCrypto only: runs in Node and in the browser.
 */
export async function challengeHash(challenge: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(challenge)),
  );
  let binary = '';
  for (const byte of digest) binary += String.fromCharCode(byte);
  // Stryker disable next-line Regex: 32 bytes are 44 base64 characters with one '=', the last, so /=+/ and /=$/ strip the same
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// ------------------------------------------------------------------ event names

export const TunnelEvent = {
  /** desktop -> relay, ack PairCreateAck */
  create: 'pair:create',
  /** phone -> relay, ack PairJoinAck */
  join: 'pair:join',
  /** relay -> desktop, when a phone joined */
  joined: 'pair:joined',
  /** either side -> relay -> the other side */
  msg: 'pair:msg',
  /** either side -> relay: end this pairing (ack optional) */
  cancel: 'pair:cancel',
  /** desktop -> relay: the sign-in finished; close the pairing for both as completed */
  complete: 'pair:complete',
  /** relay -> both sides */
  closed: 'pair:closed',
} as const;

// ------------------------------------------------------------------ errors

/**
 * Why a join (or create) was refused. The phone page shows a distinct plain message for each.
 * - unknown: no such pairing (never existed, or forgotten long ago)
 * - expired: the QR timed out before anyone joined it
 * - already-joined: another phone already joined this pairing (the desktop is not disturbed)
 * - completed: the pairing was used to sign in already
 * - cancelled: the desktop (or the phone) ended it
 * - invalid: the request did not parse
 * - rate-limited: too many requests from this socket
 * - wrong-role: a desktop socket tried to join, or a phone socket tried to create
 */
export const TunnelErrorCode = z.enum([
  'unknown',
  'expired',
  'already-joined',
  'completed',
  'cancelled',
  'invalid',
  'rate-limited',
  'wrong-role',
  'too-many-pairings',
]);
export type TunnelErrorCode = z.infer<typeof TunnelErrorCode>;

export const TunnelError = z.strictObject({
  code: TunnelErrorCode,
  message: z.string().max(300),
});
export type TunnelError = z.infer<typeof TunnelError>;

const Refused = z.strictObject({ ok: z.literal(false), error: TunnelError });

// ------------------------------------------------------------------ pair:create

/**
 * Payload of pair:create. `key`: the desktop's compressed P-256 public key (33 bytes,
 * base64url) for a v2 QR link; the relay derives the pairing id from it (pairing-id.ts), so the
 * link need not carry the id. Without `key` (desktops before v2) the id is random.
 */
export const PairCreateRequest = z.strictObject({
  v: z.literal(1).optional(),
  key: z
    .string()
    .regex(/^[A-Za-z0-9_-]{44}$/, 'expected a compressed public key')
    .optional(),
});
export type PairCreateRequest = z.infer<typeof PairCreateRequest>;

export const PairCreateAck = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), pairingId: PairingId, expiresAt: IsoTime }),
  Refused,
]);
export type PairCreateAck = z.infer<typeof PairCreateAck>;

// ------------------------------------------------------------------ pair:join

export const PairJoinRequest = z.strictObject({ pairingId: PairingId });
export type PairJoinRequest = z.infer<typeof PairJoinRequest>;

/** What only the server can vouch for, shown on the phone next to the request. */
export const DesktopContext = z.strictObject({
  /** The desktop's client IP as the server saw it (after TRUST_PROXY rules). */
  ip: z.string().max(64),
  /** When the desktop opened this pairing. */
  createdAt: IsoTime,
});
export type DesktopContext = z.infer<typeof DesktopContext>;

export const PairJoinAck = z.discriminatedUnion('ok', [
  z.strictObject({
    ok: z.literal(true),
    desktop: DesktopContext,
    /** Desktop and phone reached the server from the same public address. */
    sameNetwork: z.boolean(),
    /**
     * Only when the networks differ: the 6-digit code the person must type on the desktop.
     * Sent to the phone only, never to the desktop.
     */
    reverseCode: z
      .string()
      .regex(/^\d{6}$/)
      .optional(),
    /**
     * What the attempt linked to this pairing is for (sign-in or add-passkey). Absent when the
     * desktop never linked an attempt: the phone then refuses whatever the desktop asks.
     */
    purpose: PairPurpose.optional(),
    /**
     * challengeHash() of the challenge of the attempt the server linked to this pairing. The
     * phone refuses any request (get or create) whose challenge does not match, or any request
     * at all when this is absent, so a desktop cannot swap in a challenge from an attempt the
     * reverse code does not guard.
     */
    challengeHash: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/)
      .optional(),
    /** When the (now scanned) pairing ends. */
    expiresAt: IsoTime,
  }),
  Refused,
]);
export type PairJoinAck = z.infer<typeof PairJoinAck>;

/**
 * What the desktop learns about the phone that joined: a readable name from its user agent
 * ("Chrome on Android"), enough for "Is this your phone?"; never its IP or raw user agent.
 */
export const JoinedPhone = z.strictObject({ device: z.string().max(80) });
export type JoinedPhone = z.infer<typeof JoinedPhone>;

/** relay -> desktop */
export const PairJoined = z.strictObject({
  pairingId: PairingId,
  phone: JoinedPhone,
  sameNetwork: z.boolean(),
  expiresAt: IsoTime,
});
export type PairJoined = z.infer<typeof PairJoined>;

// ------------------------------------------------------------------ pair:msg

/** Opaque base64url channel frame; the relay checks shape and size only. */
export const PairMsg = z.strictObject({
  pairingId: PairingId,
  data: z
    .string()
    .min(1)
    .max(MAX_MESSAGE_CHARS)
    .regex(/^[A-Za-z0-9_-]+$/, 'expected base64url'),
});
export type PairMsg = z.infer<typeof PairMsg>;

// ------------------------------------------------------------------ pair:cancel / complete

/**
 * Why a side ends a pairing: the person cancelled or denied, or the channel failed to
 * open a message (tampering, replay, wrong key) and the pairing must not go on.
 */
export const CancelReason = z.enum(['cancelled', 'denied', 'channel-error']);
export type CancelReason = z.infer<typeof CancelReason>;

export const PairCancel = z.strictObject({
  pairingId: PairingId,
  reason: CancelReason.optional(),
});
export type PairCancel = z.infer<typeof PairCancel>;

export const PairComplete = z.strictObject({ pairingId: PairingId });
export type PairComplete = z.infer<typeof PairComplete>;

/** Ack for cancel/complete (optional for callers). */
export const PairSimpleAck = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true) }),
  Refused,
]);
export type PairSimpleAck = z.infer<typeof PairSimpleAck>;

// ------------------------------------------------------------------ pair:closed

/**
 * - expired: the lifetime ran out (60 s unscanned, 120 s after the scan)
 * - cancelled / denied / channel-error: one side said so (see CancelReason)
 * - completed: the desktop finished the sign-in
 * - peer-left: the other side disconnected
 * - abuse: a side broke the size or rate limits; the relay ended the pairing
 * - shutdown: the server is stopping
 */
export const ClosedReason = z.enum([
  'expired',
  'cancelled',
  'denied',
  'channel-error',
  'completed',
  'peer-left',
  'abuse',
  'shutdown',
]);
export type ClosedReason = z.infer<typeof ClosedReason>;

export const PairClosed = z.strictObject({ pairingId: PairingId, reason: ClosedReason });
export type PairClosed = z.infer<typeof PairClosed>;

// ================================================================== end-to-end messages

/** What the phone must show about who asks. Chosen by the desktop; plain words only. */
export const RequestDisplay = z.strictObject({
  /** e.g. "Keybridge for Linux" or "keybridge CLI" */
  app: z.string().trim().min(1).max(80),
  /** e.g. "alice-laptop (Linux)" */
  device: z.string().trim().min(1).max(120),
});
export type RequestDisplay = z.infer<typeof RequestDisplay>;

/**
 * WebAuthn options as JSON (api.ts AuthenticationOptionsJSON / RegistrationOptionsJSON).
 * Bounded loosely here; the browser and the server do the real checking.
 */
const WebAuthnOptionsJSON = z.looseObject({ challenge: z.string().min(16).max(1024) });

/** phone -> desktop, first message of the channel. */
export const HelloMessage = z.strictObject({
  type: z.literal('hello'),
  v: z.literal(1),
});

/** desktop -> phone: what to ask the passkey for. */
export const RequestMessage = z.discriminatedUnion('kind', [
  z.strictObject({
    type: z.literal('request'),
    kind: z.literal('get'),
    options: WebAuthnOptionsJSON,
    display: RequestDisplay,
  }),
  z.strictObject({
    type: z.literal('request'),
    kind: z.literal('create'),
    options: WebAuthnOptionsJSON.extend({
      rp: z.looseObject({ name: z.string().max(200) }),
      user: z.looseObject({ id: z.string().max(128), name: z.string().max(254) }),
    }),
    display: RequestDisplay,
  }),
]);

/**
 * phone -> desktop: the phone posted its WebAuthn response to the server itself (approve
 * routes) and the server accepted it and parked the approval on the attempt; the desktop now
 * redeems the attempt. No WebAuthn data ever crosses the tunnel, so the desktop learns nothing
 * about the account until the server has said yes (and checked the reverse code).
 */
export const ApprovedMessage = z.strictObject({ type: z.literal('approved') });

/**
 * phone -> desktop: the person said no, or the passkey prompt failed.
 * already-registered: add-passkey only; this phone (its provider) already holds a passkey for
 * the account (the browser refused because of excludeCredentials).
 */
export const RejectReason = z.enum([
  'denied',
  'passkey-failed',
  'unsupported',
  'already-registered',
]);
export type RejectReason = z.infer<typeof RejectReason>;
export const RejectMessage = z.strictObject({
  type: z.literal('reject'),
  reason: RejectReason,
  /** A short human reason from the browser (e.g. NotAllowedError), never secrets. */
  detail: z.string().max(200).optional(),
});

/** desktop -> phone: how it ended. */
export const DoneMessage = z.strictObject({
  type: z.literal('done'),
  ok: z.boolean(),
  /** e.g. "a***@example.com": enough for the person to recognise the account. */
  accountHint: z.string().max(254).optional(),
  /** When ok is false: a short plain reason to show ("The code was wrong too many times"). */
  error: z.string().max(200).optional(),
});

export const ChannelMessage = z.union([
  HelloMessage,
  RequestMessage,
  ApprovedMessage,
  RejectMessage,
  DoneMessage,
]);
export type ChannelMessage = z.infer<typeof ChannelMessage>;
export type HelloMessage = z.infer<typeof HelloMessage>;
export type RequestMessage = z.infer<typeof RequestMessage>;
export type ApprovedMessage = z.infer<typeof ApprovedMessage>;
export type RejectMessage = z.infer<typeof RejectMessage>;
export type DoneMessage = z.infer<typeof DoneMessage>;

/** Messages each side may receive; the channel refuses anything else as a protocol error. */
export const PhoneToDesktop = z.union([HelloMessage, ApprovedMessage, RejectMessage]);
export type PhoneToDesktop = z.infer<typeof PhoneToDesktop>;
export const DesktopToPhone = z.union([RequestMessage, DoneMessage]);
export type DesktopToPhone = z.infer<typeof DesktopToPhone>;

/** Typed socket.io maps, for `Server<ClientToServer, ServerToClient>` and the clients. */
export interface TunnelClientToServer {
  'pair:create': (req: PairCreateRequest, ack: (res: PairCreateAck) => void) => void;
  'pair:join': (req: PairJoinRequest, ack: (res: PairJoinAck) => void) => void;
  'pair:msg': (msg: PairMsg) => void;
  'pair:cancel': (req: PairCancel, ack?: (res: PairSimpleAck) => void) => void;
  'pair:complete': (req: PairComplete, ack?: (res: PairSimpleAck) => void) => void;
}
export interface TunnelServerToClient {
  'pair:joined': (ev: PairJoined) => void;
  'pair:msg': (msg: PairMsg) => void;
  'pair:closed': (ev: PairClosed) => void;
}
