/**
 * The desktop's typed relay client: the only file of the QR flow that speaks socket.io. The
 * state machine (./machine.ts) sees the RelayPort only, so its tests run over a fake.
 * Everything the relay sends is parsed here; malformed events never reach the machine.
 */
import { io, type Socket } from 'socket.io-client';
import type { Agent } from 'node:http';
import {
  PairClosed,
  PairCreateAck,
  PairJoined,
  PairMsg,
  TUNNEL_NAMESPACE,
  type CancelReason,
  type TunnelClientToServer,
  type TunnelServerToClient,
} from '../../../server/protocol/tunnel';

export type RelayEvents = {
  joined(ev: PairJoined): void;
  message(ev: PairMsg): void;
  closed(ev: PairClosed): void;
  /** The connection dropped: the pairing is gone with it. */
  lost(): void;
};

/** No connection to the relay, or it refused a pairing. */
export class RelayError extends Error {
  override name = 'RelayError';
}

export interface RelayPort {
  /** Connects and routes relay events to `events`; rejects with RelayError. */
  connect(events: RelayEvents): Promise<void>;
  /**
   * A new pairing for the desktop's compressed public key (the relay derives the id from it);
   * rejects with RelayError when the relay refuses or does not answer.
   */
  create(key: string): Promise<{ pairingId: string; expiresAt: number }>;
  send(pairingId: string, data: string): void;
  /**
   * Ends a pairing and waits (bounded) for the relay's ack, so a close right behind it cannot
   * overtake it: socket.io dispatches events a tick late, and the phone would hear peer-left.
   * Never rejects.
   */
  cancel(pairingId: string, reason: CancelReason): Promise<void>;
  /** Ends a pairing nobody scanned, without waiting. */
  abandon(pairingId: string): void;
  /**
   * The flow succeeded; resolves on the relay's ack (bounded). Never rejects. The flow need
   * not wait for it: close() lets an ack still in flight land first.
   */
  complete(pairingId: string): Promise<void>;
  /**
   * Closes the connection once the acks still awaited (cancel, complete) have come or timed
   * out; events after this call are not delivered.
   */
  close(): void;
}

export function createSocketRelay(options: {
  serverUrl: string;
  localAddress?: string;
  agent?: Agent;
}): RelayPort {
  let socket: Socket<TunnelServerToClient, TunnelClientToServer> | null = null;
  /** Acks still awaited; each settles (answered or timed out) and never rejects. */
  const awaited = new Set<Promise<unknown>>();
  function awaitAck(ack: Promise<unknown> | undefined): Promise<void> {
    if (!ack) return Promise.resolve();
    const settled = ack.then(
      () => undefined,
      () => undefined,
    );
    awaited.add(settled);
    void settled.then(() => awaited.delete(settled));
    return settled;
  }

  return {
    connect(events) {
      const url = new URL(TUNNEL_NAMESPACE, options.serverUrl).toString();
      const s: Socket<TunnelServerToClient, TunnelClientToServer> = io(url, {
        transports: ['websocket'],
        forceNew: true,
        // A dropped relay connection loses the pairing; a fresh flow is the honest answer.
        reconnection: false,
        localAddress: options.localAddress,
        ...(options.agent ? { agent: options.agent } : {}),
        timeout: 10_000,
      } as Parameters<typeof io>[1]);
      socket = s;
      const live = () => socket === s;
      s.on('pair:joined', (raw) => {
        const ev = PairJoined.safeParse(raw);
        if (ev.success && live()) events.joined(ev.data);
      });
      s.on('pair:msg', (raw) => {
        const ev = PairMsg.safeParse(raw);
        if (ev.success && live()) events.message(ev.data);
      });
      s.on('pair:closed', (raw) => {
        const ev = PairClosed.safeParse(raw);
        if (ev.success && live()) events.closed(ev.data);
      });
      s.on('disconnect', () => {
        if (live()) events.lost();
      });
      return new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve());
        s.once('connect_error', (e) =>
          reject(new RelayError(`Cannot reach the relay (${e.message}).`)),
        );
      });
    },
    async create(key) {
      if (!socket) throw new RelayError('Not connected to the relay.');
      const raw: unknown = await socket.timeout(10_000).emitWithAck('pair:create', { key });
      const ack = PairCreateAck.safeParse(raw);
      if (!ack.success) throw new RelayError('The relay answered something unexpected.');
      if (!ack.data.ok) throw new RelayError(`The relay refused: ${ack.data.error.message}`);
      return { pairingId: ack.data.pairingId, expiresAt: Date.parse(ack.data.expiresAt) };
    },
    send(pairingId, data) {
      socket?.emit('pair:msg', { pairingId, data });
    },
    cancel(pairingId, reason) {
      return awaitAck(socket?.timeout(2_000).emitWithAck('pair:cancel', { pairingId, reason }));
    },
    abandon(pairingId) {
      socket?.emit('pair:cancel', { pairingId, reason: 'cancelled' });
    },
    complete(pairingId) {
      return awaitAck(socket?.timeout(5_000).emitWithAck('pair:complete', { pairingId }));
    },
    close() {
      const s = socket;
      socket = null;
      if (!s) return;
      // The relay handles events a tick late: a close that overtook a pair:complete or
      // pair:cancel would end the pairing as peer-left on the phone. So the acks land first,
      // then a last fire-and-forget emit (abandon) gets a moment to flush.
      void Promise.all([...awaited]).then(() => setImmediate(() => s.close()));
    },
  };
}
