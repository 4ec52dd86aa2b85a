/**
 * The phone half of the QR flow driven from Node, for the load test, the benchmark and the
 * attack tests: the same protocol the pair page (/m/pair, server/phone/pair/pair-session.ts)
 * speaks — parse the link, `pair:join` on the real relay, open the real HPKE channel
 * (server/protocol/channel.ts), say hello, check the request's challenge against the join
 * ack's hash, run the test-side software authenticator
 * (test/support/soft-authenticator.ts), POST the response to the server's approve route,
 * tell the desktop `approved`, wait for `done`.
 *
 * Add-passkey: the phone must be signed in (`cookie`, the phone's own session); the options
 * come from the server (pairing/options), not from the desktop's request.
 *
 * Functional tests use the real phone page in Chromium instead (test/support/phone.ts).
 */
import { io, type Socket } from 'socket.io-client';
import type {
  AuthenticationOptionsJSON,
  PasskeyPairingOptionsResponse,
} from '../../../../server/protocol/api';
import { openPhoneChannel } from '../../../../server/protocol/channel';
import { parseQrLink } from '../../../../server/protocol/qr-link';
import {
  TUNNEL_NAMESPACE,
  challengeHash,
  type DoneMessage,
  type PairJoinAck,
  type PhoneToDesktop,
  type TunnelClientToServer,
  type TunnelServerToClient,
} from '../../../../server/protocol/tunnel';
import type { CeremonyOverrides, SoftAuthenticator } from '../../../support/soft-authenticator';
import { call, sessionCookie, type Reply } from '../../../support/http';

export type SoftPhoneResult = {
  /** The desktop's last word (absent when the phone refused or the server did). */
  done?: DoneMessage;
  /** The server refused a phone call (pairing/options or approve): status and error code. */
  refused?: { status: number; code: string; path: string };
  reverseCode?: string;
  sameNetwork: boolean;
  /** add-passkey: the account the server said the passkey is for. */
  account?: string;
  /** sign-in and step-up: what approve answered (accountHint). */
  accountHint?: string;
  /** Every message the phone sealed for the desktop, in order. */
  sent: PhoneToDesktop[];
};

type JoinedAck = Extract<PairJoinAck, { ok: true }>;

/**
 * Scans `link` and approves. `serverUrl` is where Node reaches the relay and the API
 * (127.0.0.1); the authenticator signs for the phone origin (exchange.localhost), as the
 * browser would.
 */
export async function softApprove(opts: {
  link: string;
  serverUrl: string;
  authenticator: SoftAuthenticator;
  /** The relay socket binds here (127.0.0.2 = another network). */
  localAddress?: string;
  /** The phone browser's User-Agent on the relay socket (the desktop sees a name from it). */
  userAgent?: string;
  /** Overall limit; the desktop may sit in confirm-phone for a while. Default 30 s. */
  timeoutMs?: number;
  /** The phone's own session cookie (add-passkey needs it)... */
  cookie?: string;
  /** ...or sign the phone in with a password first (web sign-in, cookie kept). */
  signIn?: { email: string; password: string };
  /** Passed to the authenticator (tests of bad responses). */
  overrides?: CeremonyOverrides;
  /** Called with the join ack (tests that need the reverse code before `done`). */
  onJoined?: (ack: JoinedAck) => void;
  /** Called once the server approved and the desktop was told. */
  onApproved?: (result: SoftPhoneResult) => void;
}): Promise<SoftPhoneResult> {
  const parsed = await parseQrLink(opts.link);
  // As the pair page does: the channel's key schedule runs while the socket connects and joins.
  const channelReady = openPhoneChannel({
    pairingId: parsed.pairingId,
    desktopPublicKey: parsed.desktopPublicKey,
    secret: parsed.secret,
  });
  channelReady.catch(() => undefined);
  // Before the socket exists: its connect event must not fire while this is awaited.
  let cookie = opts.cookie;
  if (opts.signIn) {
    const r = await call(opts.serverUrl, '/api/auth/password', { body: opts.signIn });
    if (r.status !== 200) throw new Error(`phone sign-in failed: ${r.status}`);
    cookie = sessionCookie(r);
  }
  const socket: Socket<TunnelServerToClient, TunnelClientToServer> = io(
    new URL(TUNNEL_NAMESPACE, opts.serverUrl).toString(),
    {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      localAddress: opts.localAddress,
      ...(opts.userAgent ? { extraHeaders: { 'user-agent': opts.userAgent } } : {}),
    } as Parameters<typeof io>[1],
  );
  const post = <T>(path: string, body: unknown): Promise<Reply<T>> =>
    call<T>(opts.serverUrl, path, { body, cookie });
  try {
    return await new Promise<SoftPhoneResult>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(
        () => failWith(new Error('soft phone timed out')),
        opts.timeoutMs ?? 30_000,
      );
      const finish = (r: SoftPhoneResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      function failWith(e: unknown) {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
      // Relay events and channel messages are handled one at a time, in arrival order (the
      // channel needs it, and a close must not overtake the last message being opened).
      let chain = Promise.resolve();
      // After the phone refused: the desktop ends the pairing; that end is the result.
      let refusal: SoftPhoneResult | null = null;
      socket.on('connect_error', failWith);
      socket.on('pair:closed', (ev) => {
        chain = chain.then(() => {
          if (refusal) finish(refusal);
          else if (ev.reason !== 'completed') failWith(new Error(`pairing closed: ${ev.reason}`));
        });
      });
      socket.once('connect', () => {
        void (async () => {
          const ack = (await socket.timeout(10_000).emitWithAck('pair:join', {
            pairingId: parsed.pairingId,
          })) as PairJoinAck;
          if (!ack.ok) throw new Error(`join refused: ${ack.error.code}`);
          opts.onJoined?.(ack);
          const seen: SoftPhoneResult = {
            reverseCode: ack.reverseCode,
            sameNetwork: ack.sameNetwork,
            sent: [],
          };
          const channel = await channelReady;
          const send = async (m: PhoneToDesktop) => {
            seen.sent.push(m);
            const data = await channel.seal(m);
            socket.emit('pair:msg', { pairingId: parsed.pairingId, data });
          };
          const refuse = async (reply: Reply<unknown>, path: string, detail: string) => {
            const code = (reply.body as { error?: { code?: string } }).error?.code ?? 'unknown';
            refusal = { ...seen, refused: { status: reply.status, code, path } };
            await send({ type: 'reject', reason: 'passkey-failed', detail });
          };
          socket.on('pair:msg', (msg) => {
            chain = chain
              .then(async () => {
                const m = await channel.open(msg.data);
                if (m.type === 'done') {
                  finish({ ...seen, done: m });
                  return;
                }
                // The pair page acts only on the challenge the server linked, for both kinds.
                const h = await challengeHash(m.options.challenge);
                if (!ack.challengeHash || h !== ack.challengeHash)
                  throw new Error('challenge does not match');
                if (m.kind === 'get') {
                  const response = opts.authenticator.assert(
                    m.options as unknown as AuthenticationOptionsJSON,
                    opts.overrides,
                  );
                  // A step-up pairing is approved at its own route (server/step-up/).
                  const path =
                    ack.purpose === 'step-up'
                      ? '/api/step-up/passkey/approve'
                      : '/api/auth/passkey/approve';
                  const r = await post<{ accountHint: string }>(path, {
                    pairingId: parsed.pairingId,
                    response,
                  });
                  if (r.status !== 200)
                    return refuse(
                      r,
                      path,
                      r.status === 403 && ack.purpose === 'step-up'
                        ? 'other-account-passkey'
                        : 'approve',
                    );
                  seen.accountHint = r.body.accountHint;
                } else {
                  const optionsPath = '/api/passkeys/pairing/options';
                  const o = await post<PasskeyPairingOptionsResponse>(optionsPath, {
                    pairingId: parsed.pairingId,
                  });
                  if (o.status === 401) return refuse(o, optionsPath, 'signed-out');
                  if (o.status === 403) return refuse(o, optionsPath, 'wrong-account');
                  if (o.status !== 200) return refuse(o, optionsPath, 'options');
                  if (o.body.options.challenge !== m.options.challenge)
                    throw new Error('server options do not match the request');
                  seen.account = o.body.account.email;
                  const response = opts.authenticator.register(o.body.options, opts.overrides);
                  const path = '/api/passkeys/pairing/approve';
                  const r = await post(path, { pairingId: parsed.pairingId, response });
                  if (r.status !== 200) return refuse(r, path, 'approve');
                }
                await send({ type: 'approved' });
                opts.onApproved?.(seen);
              })
              .catch(failWith);
          });
          await send({ type: 'hello', v: 1 });
        })().catch(failWith);
      });
    });
  } finally {
    socket.close();
  }
}
