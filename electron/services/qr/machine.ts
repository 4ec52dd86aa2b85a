/**
 * The QR flow's state machine (see electron/services/qr-login.ts for the whole story). It
 * runs over ports only: the relay (RelayPort), the ceremony of its purpose, and where the
 * phone app lives; so its tests run with a fake relay, no server and no sockets
 * (test/electron/services/qr-state-machine.test.ts).
 *
 * Relay events and the person's actions run one at a time, in arrival order (the channel
 * needs that order). Nothing here logs; secrets stay in the Pairing.
 */
import { ChannelError } from '../../../server/protocol/channel';
import type {
  DesktopToPhone,
  PairClosed,
  PairJoined,
  PairMsg,
  RequestDisplay,
} from '../../../server/protocol/tunnel';
import type { Ceremony } from './ceremony';
import { failureFrom, failureOfReject, outcomeOfClose, redeemRefusal } from './failures';
import {
  armRotation,
  createPairing,
  disarmRotation,
  preparePairing,
  type Pairing,
  type PairingSecrets,
} from './pairing';
import { RelayError, type RelayPort } from './relay-client';
import {
  FINAL,
  type FinalState,
  type QrFailReason,
  type QrLogin,
  type QrLoginState,
} from './types';

export type QrMachineOptions = {
  relay: RelayPort;
  ceremony: Ceremony;
  /** Where the phone app lives (server config); asked once. */
  phoneOrigin: () => Promise<string>;
  /** What the phone shows as asking. */
  display: RequestDisplay;
  /** Stop replacing unscanned QRs after this long (then `expired`). */
  maxWaitMs: number;
  onState?: (state: QrLoginState) => void;
  /** Runs once when the flow ended (after the relay is closed). */
  onEnd?: () => void;
};

export function runQrMachine(options: QrMachineOptions): QrLogin {
  const { relay, ceremony, display, maxWaitMs } = options;
  const startedAt = Date.now();

  let state: QrLoginState = { status: 'starting' };
  const listeners = new Set<(s: QrLoginState) => void>();
  if (options.onState) listeners.add(options.onState);
  let resolveFinished!: (s: FinalState) => void;
  const finished = new Promise<FinalState>((r) => (resolveFinished = r));

  let current: Pairing | null = null;
  let codeInFlight = false;
  /** The server's result was claimed (see CeremonyContext.claim): cancel is too late. */
  let claimed = false;
  let queue: Promise<void> = Promise.resolve();

  const isFinal = () => FINAL.has(state.status);

  function setState(next: QrLoginState) {
    if (isFinal()) return;
    state = next;
    for (const l of [...listeners]) {
      try {
        l(next);
      } catch {
        // A broken listener must not break the sign-in.
      }
    }
    if (FINAL.has(next.status)) {
      resolveFinished(next as FinalState);
      disarmRotation(current);
      relay.close();
      if (options.onEnd) setImmediate(options.onEnd);
    }
  }

  const fail = (f: { reason: QrFailReason; message: string }) =>
    setState({ status: 'failed', reason: f.reason, message: f.message });

  function enqueue(step: () => Promise<void>) {
    queue = queue.then(async () => {
      if (isFinal()) return;
      try {
        await step();
      } catch (e) {
        if (isFinal()) return;
        if (e instanceof ChannelError) await endPairing('channel-error');
        fail(failureFrom(e));
      }
    });
  }

  async function endPairing(reason: 'cancelled' | 'channel-error') {
    if (current) await relay.cancel(current.pairingId, reason);
  }

  // ------------------------------------------------------------------ pairings

  let origin: Promise<string> | null = null;

  /** `prepared`: the first QR's key and secret, made while the relay connection opened. */
  async function openPairing(prepared?: Promise<PairingSecrets>): Promise<void> {
    if (isFinal()) return;
    if (Date.now() - startedAt > maxWaitMs) return setState({ status: 'expired' });
    const secrets = await (prepared ?? preparePairing());
    const { pairingId, expiresAt } = await relay.create(secrets.relayKey);
    // The phone derives the id from the QR's key; a relay answering any other id is wrong.
    if (pairingId !== secrets.pairingId) {
      throw new RelayError('The relay answered with a pairing id that does not match the QR.');
    }
    const { attemptId, options: webauthn } = await ceremony.begin(pairingId);
    origin ??= options.phoneOrigin();
    const pairing = createPairing({
      secrets,
      expiresAt,
      attemptId,
      options: webauthn,
      phoneOrigin: await origin,
      confirmed: !ceremony.confirmsPhone,
    });
    if (isFinal()) return;
    const previous = current;
    current = pairing;
    if (previous) {
      disarmRotation(previous);
      relay.abandon(previous.pairingId);
    }
    armRotation(pairing, () =>
      enqueue(async () => {
        if (current === pairing && !pairing.joined) await openPairing();
      }),
    );
    setState({ status: 'waiting-for-scan', link: pairing.link, expiresAt: pairing.expiresAt });
  }

  // ------------------------------------------------------------------ relay events

  async function onJoined(ev: PairJoined) {
    const pairing = current;
    if (!pairing || ev.pairingId !== pairing.pairingId || pairing.joined) return;
    disarmRotation(pairing);
    pairing.joined = ev.phone;
    pairing.sameNetwork = ev.sameNetwork;
    pairing.scannedUntil = Date.parse(ev.expiresAt);
    if (!pairing.confirmed) setState({ status: 'confirm-phone', phone: ev.phone });
    else setState({ status: 'scanned', phone: ev.phone, sameNetwork: ev.sameNetwork });
  }

  async function sendRequest(pairing: Pairing) {
    if (pairing.requested || !pairing.joined) return;
    pairing.requested = true;
    await send(pairing, ceremony.request(pairing.options, display));
    setState({
      status: 'waiting-for-approval',
      phone: pairing.joined,
      sameNetwork: pairing.sameNetwork,
    });
  }

  async function onMessage(ev: PairMsg) {
    const pairing = current;
    if (!pairing || ev.pairingId !== pairing.pairingId || !pairing.joined) return;
    const message = await pairing.channel.open(ev.data);
    switch (message.type) {
      case 'hello':
        pairing.hello = true;
        if (pairing.confirmed) await sendRequest(pairing);
        return;
      case 'reject':
        return fail(failureOfReject(message));
      case 'approved':
        // One approval per pairing, and only for a request we sent; the channel refuses replays.
        if (!pairing.requested || pairing.approved) return;
        pairing.approved = true;
        return redeem(undefined);
    }
  }

  async function onClosed(ev: PairClosed) {
    if (!current || ev.pairingId !== current.pairingId) return;
    if (!current.joined && ev.reason === 'expired') return openPairing();
    if (ev.reason === 'completed') return;
    // After the scan: the reverse code may still be needed, but without a pairing the phone
    // can no longer hear "done"; the server attempt is what matters, so keep going if we can.
    if (state.status === 'needs-code' || state.status === 'verifying') return;
    const outcome = outcomeOfClose(ev.reason);
    if ('status' in outcome) setState(outcome);
    else fail(outcome);
  }

  async function send(pairing: Pairing, message: DesktopToPhone) {
    relay.send(pairing.pairingId, await pairing.channel.seal(message));
  }

  /** Best effort: the phone may already be gone; the outcome here does not depend on it. */
  async function tellPhone(pairing: Pairing, message: DesktopToPhone) {
    await send(pairing, message).catch(() => undefined);
  }

  // ------------------------------------------------------------------ redeem

  async function redeem(reverseCode: string | undefined): Promise<void> {
    const pairing = current;
    if (!pairing || !pairing.approved) return;
    setState({ status: 'verifying' });
    try {
      const done = await ceremony.redeem(pairing.attemptId, reverseCode, {
        claim: () => {
          if (isFinal()) return false;
          claimed = true;
          return true;
        },
        tellPhone: (m) => tellPhone(pairing, m),
      });
      if (!done) return;
      // A ceremony that did not claim (add-passkey: the passkey is on the server now) is
      // claimed here, before the phone is told.
      claimed = true;
      await tellPhone(pairing, { type: 'done', ok: true, accountHint: done.accountHint });
      // Not awaited: the person is signed in whatever the relay answers, and the relay port
      // closes the socket only after this ack (relay-client.ts), so the phone still hears
      // `completed`, not peer-left.
      void relay.complete(pairing.pairingId);
      setState(done.state);
    } catch (e) {
      const refusal = redeemRefusal(e);
      if (!refusal) throw e;
      switch (refusal.kind) {
        case 'code-asked':
          setState(
            pairing.scannedUntil
              ? { status: 'needs-code', expiresAt: pairing.scannedUntil }
              : { status: 'needs-code' },
          );
          armCodeDeadline(pairing);
          return;
        case 'code-wrong':
          setState({
            status: 'needs-code',
            triesLeft: refusal.triesLeft,
            message: refusal.message,
            ...(pairing.scannedUntil ? { expiresAt: pairing.scannedUntil } : {}),
          });
          return;
        case 'fail':
          // done {ok:false}, then end the pairing with an ack, so the phone hears the reason
          // before the socket closes (not peer-left).
          await tellPhone(pairing, { type: 'done', ok: false, error: refusal.tellPhone });
          await endPairing('cancelled');
          fail(refusal.failure);
          return;
      }
    }
  }

  /**
   * The phone may close its page once it shows the code (the pairing then ends as peer-left),
   * and the person may still type it; but nobody waits forever: after the scanned pairing's
   * lifetime the flow ends as expired.
   */
  function armCodeDeadline(pairing: Pairing) {
    const until = pairing.scannedUntil ?? Date.now() + 120_000;
    const timer = setTimeout(
      () =>
        enqueue(async () => {
          if (current === pairing && state.status === 'needs-code') setState({ status: 'expired' });
        }),
      Math.max(0, until - Date.now()) + 1_000,
    );
    timer.unref();
    void finished.then(() => clearTimeout(timer));
  }

  // ------------------------------------------------------------------ start

  // Nobody scanned for maxWaitMs: stop offering codes. After a scan the pairing's own lifetime
  // (120 s, enforced by the relay) decides instead.
  const waitTimer = setTimeout(
    () =>
      enqueue(async () => {
        if (state.status !== 'starting' && state.status !== 'waiting-for-scan') return;
        await endPairing('cancelled');
        setState({ status: 'expired' });
      }),
    maxWaitMs,
  );
  waitTimer.unref();
  void finished.then(() => clearTimeout(waitTimer));

  enqueue(async () => {
    // The key pair and the phone origin do not need the relay: make them while it connects.
    // Awaited in openPairing; the no-op catch only keeps a failure here from going unhandled
    // when the connection fails first.
    const prepared = preparePairing();
    origin = options.phoneOrigin();
    for (const p of [prepared, origin]) p.catch(() => undefined);
    await relay.connect({
      joined: (ev) => enqueue(() => onJoined(ev)),
      message: (ev) => enqueue(() => onMessage(ev)),
      closed: (ev) => enqueue(() => onClosed(ev)),
      lost: () =>
        enqueue(async () =>
          fail({ reason: 'server-unreachable', message: 'The connection to the server was lost.' }),
        ),
    });
    await openPairing(prepared);
  });

  return {
    get state() {
      return state;
    },
    get cancellable() {
      return !isFinal() && !claimed;
    },
    subscribe(listener) {
      listeners.add(listener);
      listener(state);
      return () => listeners.delete(listener);
    },
    finished,
    submitCode(code: string) {
      return new Promise<QrLoginState>((resolve) => {
        enqueue(async () => {
          if (state.status !== 'needs-code' || codeInFlight) return;
          if (!/^\d{6}$/.test(code.trim())) {
            setState({ ...state, message: 'Type the 6 digits shown on your phone.' });
            return;
          }
          codeInFlight = true;
          try {
            await redeem(code.trim());
          } finally {
            codeInFlight = false;
          }
        });
        void queue.then(() => resolve(state));
      });
    },
    confirmPhone(yes: boolean) {
      return new Promise<void>((resolve) => {
        enqueue(async () => {
          const pairing = current;
          if (state.status !== 'confirm-phone' || !pairing?.joined) return;
          if (!yes) {
            await endPairing('cancelled');
            setState({ status: 'cancelled' });
            return;
          }
          pairing.confirmed = true;
          if (pairing.hello) await sendRequest(pairing);
          else
            setState({
              status: 'scanned',
              phone: pairing.joined,
              sameNetwork: pairing.sameNetwork,
            });
        });
        void queue.then(() => resolve());
      });
    },
    async cancel() {
      // Not queued behind a slow step (connect, verify): cancel answers at once. Steps still
      // running see the final state and stop; a sign-in that lands anyway is undone (sign-in.ts).
      if (isFinal() || claimed) return;
      await endPairing('cancelled');
      setState({ status: 'cancelled' });
    },
  };
}
