/**
 * The one typed IPC contract between the renderer and the main process,
 * in the style of GitHub Desktop's ipc-shared.ts.
 *
 * - `RequestSchemas` / `Responses`: every invoke channel, its argument schema (parsed in the main
 *   process before any handler runs) and its response type.
 * - `EventPayloads`: push events from main to renderer.
 * - `KeybridgeApi`: what the preload exposes as `window.keybridge` — named methods and
 *   `on<Event>(cb) => unsubscribe` subscriptions, nothing generic.
 *
 * Nothing in a response or event may carry a token, a refresh token, a QR secret or a challenge:
 * the renderer is treated as the least trusted part of the app. The QR is sent as an image, not
 * as the link that carries the secret.
 *
 * Every method answers `IpcResult<T>` instead of throwing: errors crossing contextBridge lose
 * everything but their message, and the UI needs the code to choose what to show.
 */
import { z } from 'zod';
import {
  Email,
  OpaqueId,
  PasskeyName,
  ReverseCode,
  SecondFactorCode,
  TotpCode,
  type ActivityListResponse,
  type ChangePasswordResponse,
  type ErrorCode,
  type MeResponse,
  type PasskeyListResponse,
  type PasskeyView,
  type SessionListResponse,
  type SignInMethod,
  type StepUpResponse,
  type UserSummary,
} from '../../server/protocol/api';
// Type-only: the renderer imports this file and must never pull in main-process code.
import type { QrFailReason, QrPurpose } from '../services/qr-login';
import { API_GLOBAL, ApiEvents, ApiMethods } from '../shared/ipc-channels';

// ------------------------------------------------------------------ results and errors

/** Errors the shell adds to the server's error codes. */
export type ShellErrorCode =
  /** the arguments did not match the contract's schema */
  | 'invalid_arguments'
  /** the call came from a frame or window the main process does not trust */
  | 'forbidden_sender'
  /** the call needs a signed-in session and there is none */
  | 'not_signed_in'
  /** the server could not be reached */
  | 'server_unreachable'
  /** no OS keychain: the session cannot be kept */
  | 'keychain_unavailable'
  /** a QR flow is already running / none is running */
  | 'qr_not_active'
  /** the QR flow on screen does not offer that step (e.g. copying an add-passkey link) */
  | 'qr_step_unavailable'
  /** the URL is not on the allow-list for the system browser */
  | 'url_not_allowed'
  /** the server answered something that is not the API's shape */
  | 'unexpected_response'
  /** anything unexpected; the message is generic and the details stay in the main process */
  | 'internal';

export type IpcErrorCode = ErrorCode | ShellErrorCode;

export type IpcError = {
  code: IpcErrorCode;
  /** plain words, safe to show */
  message: string;
  retryAfterSeconds?: number;
};

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

// ------------------------------------------------------------------ shared view types

export type AppInfo = {
  version: string;
  /** the server this app talks to, e.g. http://127.0.0.1:3000 */
  serverUrl: string;
  /** 'electron' in the real app, 'browser' in the Chromium harness (npm run desktop:browser) */
  mode: 'electron' | 'browser';
  platform: string;
};

export type KeychainStatus = {
  available: boolean;
  /** e.g. 'keytar (Secret Service)'; null when unknown */
  backend: string | null;
  /** plain words for the banner when not available; null otherwise */
  message: string | null;
};

export type SessionState =
  /** launch: looking for a saved session in the keychain */
  | { status: 'restoring' }
  | {
      status: 'signed-out';
      /** why, when it was not the user's own choice */
      reason:
        'none' | 'signed-out' | 'expired' | 'revoked' | 'ended-elsewhere' | 'server-unreachable';
      message: string | null;
    }
  | {
      status: 'signed-in';
      user: UserSummary;
      sessionId: string;
      /** how this session signed in; null when the server did not say */
      method: SignInMethod | null;
    };

export type { QrPurpose };

/**
 * Why a QR flow ended without success: qr-login's QrFailReason (the one list, documented
 * there), plus the shell's own expiry and internal failures.
 */
export type QrFailCode =
  | QrFailReason
  /** nobody scanned for several minutes; start again */
  | 'expired'
  | 'internal';

/**
 * The phone that opened the QR, as the desktop may show it: a readable name the server made
 * from its user agent ("Chrome on Android"). Never its IP or raw user agent.
 */
export type QrPhoneView = { device: string };

/**
 * The QR flow as the renderer sees it: the states of electron/services/qr/types.ts under the
 * same names, minus secrets.
 * sign-in:     waiting-for-scan -> scanned (confirm on your phone) -> [needs-code] -> verifying -> done.
 * add-passkey: waiting-for-scan -> confirm-phone (is this your phone?) -> scanned -> [needs-code]
 *              -> verifying -> done (with the new passkey).
 */
export type QrView =
  | { status: 'idle'; purpose: QrPurpose }
  | { status: 'starting'; purpose: QrPurpose }
  | {
      status: 'waiting-for-scan';
      purpose: QrPurpose;
      /** data:image/svg+xml;base64,... — the QR to scan; the link itself stays in main */
      qrImage: string;
      /** epoch ms when this QR is replaced by a fresh one */
      expiresAt: number;
      /**
       * false for add-passkey: that code is only for scanning, so "Can't scan? / Copy link" is
       * not offered (and qr:copyLink refuses)
       */
      canCopyLink: boolean;
    }
  | {
      /**
       * add-passkey only: a phone opened the link and nothing has been sent to it yet. The
       * person answers qr:confirmPhone; only "yes" lets the phone be asked to make a passkey.
       */
      status: 'confirm-phone';
      purpose: QrPurpose;
      phone: QrPhoneView;
    }
  | {
      /** the phone opened the link: "Scanned — confirm on your phone" */
      status: 'scanned';
      purpose: QrPurpose;
      /** the phone's readable name, to help the user recognise it */
      phone: QrPhoneView | null;
      /** false when the phone is on another network (a reverse code will be asked) */
      sameNetwork: boolean;
    }
  | {
      /** phone and desktop are on different networks: type the 6 digits the phone shows */
      status: 'needs-code';
      purpose: QrPurpose;
      triesLeft: number | null;
      /** set after a wrong code */
      message: string | null;
    }
  | { status: 'verifying'; purpose: QrPurpose }
  | {
      status: 'done';
      purpose: QrPurpose;
      /** sign-in: who is now signed in */
      user: UserSummary | null;
      /** add-passkey: the passkey the server stored (null only if the server did not say) */
      passkey: PasskeyView | null;
      /** step-up: this session is confirmed until then (ISO time) */
      elevatedUntil?: string;
    }
  | {
      status: 'failed';
      purpose: QrPurpose;
      code: QrFailCode;
      message: string;
      /** true when "Try again" makes sense */
      retryable: boolean;
    }
  | { status: 'cancelled'; purpose: QrPurpose };

export type TotpSetupView = {
  /** data:image/svg+xml;base64,... of the otpauth:// URI, for the authenticator app */
  qrImage: string;
  /** the same key in groups of four, for typing into an authenticator by hand */
  manualKey: string;
};

export type Ok = { done: true };

// ------------------------------------------------------------------ request schemas

const NoArgs = z.undefined();

/** Argument schema per invoke channel; the main process parses with these before use. */
export const RequestSchemas = {
  'app:info': NoArgs,
  'session:get': NoArgs,
  'session:restore': NoArgs,
  'keychain:status': NoArgs,
  'qr:start': NoArgs,
  'qr:cancel': NoArgs,
  'qr:submitCode': z.strictObject({ code: ReverseCode }),
  /** the person's answer to "Is this your phone?" (add-passkey) */
  'qr:confirmPhone': z.strictObject({ yes: z.boolean() }),
  'qr:copyLink': NoArgs,
  'auth:password': z.strictObject({
    email: Email,
    password: z.string().min(1).max(256),
    totp: SecondFactorCode.optional(),
  }),
  'auth:signOut': NoArgs,
  'auth:stepUp': z.strictObject({
    password: z.string().min(1).max(256),
    totp: SecondFactorCode.optional(),
  }),
  /** "Confirm with your phone": a QR flow with purpose 'step-up' (signed in) */
  'auth:stepUpStart': NoArgs,
  'account:me': NoArgs,
  /** the new password's rule (10+ characters) is the server's: it answers weak_password */
  'account:changePassword': z.strictObject({
    /** may be left out after a passkey step-up (the server decides: current_password_required) */
    currentPassword: z.string().min(1).max(256).optional(),
    newPassword: z.string().min(1).max(256),
  }),
  'passkeys:list': NoArgs,
  'passkeys:rename': z.strictObject({ id: OpaqueId, name: PasskeyName }),
  'passkeys:delete': z.strictObject({
    id: OpaqueId,
    /** the user confirmed twice that this is their last passkey */
    acknowledgeLastPasskey: z.boolean().optional(),
  }),
  'passkeys:addStart': NoArgs,
  'totp:setup': NoArgs,
  'totp:confirm': z.strictObject({ code: TotpCode }),
  'totp:disable': NoArgs,
  'sessions:list': NoArgs,
  'sessions:revoke': z.strictObject({ id: OpaqueId }),
  'sessions:revokeOthers': NoArgs,
  'activity:list': NoArgs,
  'shell:openExternal': z.strictObject({ url: z.string().max(2048) }),
  // `satisfies`, not `as const`: Stryker skips all code under a TS `as` expression as if it
  // were a type, so `as const` here kept every schema above out of mutation testing.
} satisfies Record<string, z.ZodType>;

export type InvokeChannel = keyof typeof RequestSchemas;
export type RequestOf<C extends InvokeChannel> = z.infer<(typeof RequestSchemas)[C]>;

/** Response type per invoke channel (the `value` of a successful IpcResult). */
export type Responses = {
  'app:info': AppInfo;
  'session:get': SessionState;
  'session:restore': SessionState;
  'keychain:status': KeychainStatus;
  'qr:start': QrView;
  'qr:cancel': QrView;
  'qr:submitCode': QrView;
  'qr:confirmPhone': QrView;
  'qr:copyLink': Ok;
  'auth:password': SessionState;
  'auth:signOut': SessionState;
  'auth:stepUp': StepUpResponse;
  'auth:stepUpStart': QrView;
  'account:me': MeResponse;
  'account:changePassword': ChangePasswordResponse;
  'passkeys:list': PasskeyListResponse;
  'passkeys:rename': Ok;
  'passkeys:delete': Ok;
  'passkeys:addStart': QrView;
  'totp:setup': TotpSetupView;
  'totp:confirm': { recoveryCodes: string[] };
  'totp:disable': Ok;
  'sessions:list': SessionListResponse;
  'sessions:revoke': Ok;
  'sessions:revokeOthers': { revoked: number };
  'activity:list': ActivityListResponse;
  'shell:openExternal': Ok;
};

// ------------------------------------------------------------------ push events

export type EventPayloads = {
  'qr:state': QrView;
  'session:changed': SessionState;
  'keychain:status': KeychainStatus;
};
export type EventChannel = keyof EventPayloads;

// ------------------------------------------------------------------ renderer-facing API

// The names (window.keybridge method -> channel) live in electron/shared/ipc-channels.ts,
// plain data the sandboxed preload bundles; here they meet the channels defined above.
export { API_GLOBAL, ApiEvents, ApiMethods };

type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
/** Compile-time: every method names a contract channel, and every channel has a method. */
export type MethodsCoverChannels = Holds<
  Exactly<(typeof ApiMethods)[keyof typeof ApiMethods], InvokeChannel>
>;
/** Compile-time: the same for the subscriptions and the event channels. */
export type EventsCoverChannels = Holds<
  Exactly<(typeof ApiEvents)[keyof typeof ApiEvents], EventChannel>
>;

type MethodFor<C extends InvokeChannel> =
  RequestOf<C> extends undefined
    ? () => Promise<IpcResult<Responses[C]>>
    : (args: RequestOf<C>) => Promise<IpcResult<Responses[C]>>;

export type KeybridgeApi = {
  readonly [M in keyof typeof ApiMethods]: MethodFor<(typeof ApiMethods)[M]>;
} & {
  readonly [E in keyof typeof ApiEvents]: (
    listener: (payload: EventPayloads[(typeof ApiEvents)[E]]) => void,
  ) => () => void;
};

/** Every key window.keybridge has, in order: the preload test asserts exactly these. */
export const apiKeys = [...Object.keys(ApiMethods), ...Object.keys(ApiEvents)].sort();

declare global {
  interface Window {
    keybridge: KeybridgeApi;
  }
}

// ------------------------------------------------------------------ main-side handler types

/** Who is calling, as checked by ipc-main (Electron) or browser-preload (test harness). */
export type CallContext = { senderId: number };

export type Handler<C extends InvokeChannel> = (
  args: RequestOf<C>,
  ctx: CallContext,
) => Promise<Responses[C]>;

/** The whole main-process side: one handler per channel. */
export type HandlerMap = { [C in InvokeChannel]: Handler<C> };

/** How the handler map pushes events; ipc-main sends them to trusted windows only. */
export type EventSink = <E extends EventChannel>(channel: E, payload: EventPayloads[E]) => void;

/** The app's own origin: the renderer is served from app://keybridge/. */
export const APP_ORIGIN = 'app://keybridge';
