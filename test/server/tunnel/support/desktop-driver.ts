/**
 * A minimal desktop for the relay and pair-page tests, built directly on the shared protocol
 * modules (not on the desktop client), so these tests exercise the protocol itself and can
 * misbehave on purpose: tamper with a frame, send another attempt's challenge.
 */
import http from 'node:http';
import { io as connect, type Socket } from 'socket.io-client';
import {
  createDesktopChannel,
  generateDesktopKeys,
  generateQrSecret,
  type DesktopChannel,
} from '../../../../server/protocol/channel';
import { buildQrLink, compressedKey } from '../../../../server/protocol/qr-link';
import { buildQrLinkV1 } from '../../../support/qr-link-v1';
import type {
  DesktopToPhone,
  PairClosed,
  PairCreateAck,
  PairJoined,
  PairMsg,
  PhoneToDesktop,
  RequestMessage,
} from '../../../../server/protocol/tunnel';

type Waiter<T> = { promise: Promise<T>; resolve: (v: T) => void };
function waiter<T>(): Waiter<T> {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

export type DesktopDriver = {
  socket: Socket;
  pairingId: string;
  link: string;
  secret: string;
  channel: DesktopChannel;
  joined: Promise<PairJoined>;
  /** The phone's hello arrived and was opened. */
  hello: Promise<void>;
  /** The phone's answer: approved or reject (hello excluded); never WebAuthn data. */
  answer: Promise<PhoneToDesktop>;
  closed: Promise<PairClosed>;
  /** Every frame the desktop received, as relayed. */
  frames: string[];
  /** Channel failures on the desktop side (the driver then cancels with channel-error). */
  channelErrors: Error[];
  sendRequest(request: Omit<RequestMessage, 'type' | 'display'>): Promise<void>;
  send(message: DesktopToPhone): Promise<void>;
  sendRaw(data: string): void;
  complete(): Promise<void>;
  cancel(): void;
  close(): void;
};

export const DISPLAY = { app: 'Keybridge for Linux', device: 'test-laptop (Linux)' };

/**
 * Opens a pairing like the desktop app does: pair:create, then the caller links an attempt
 * (POST /api/auth/passkey/options {pairingId}), then the QR link is built. By default the
 * driver sends `request` as soon as the phone says hello.
 */
export async function startDesktop(opts: {
  url: string;
  phoneOrigin: string;
  localAddress?: string;
  /** Sent when hello arrives; omit to send by hand. */
  autoRequest?:
    | Omit<RequestMessage, 'type' | 'display'>
    | (() => Promise<Omit<RequestMessage, 'type' | 'display'>>);
  linkOptions?: (pairingId: string) => Promise<void>;
  /** Override the secret in the link (tamper tests) without changing the desktop's. */
  linkSecret?: string;
  /** Build the link a desktop before v2 built (default 2). */
  linkVersion?: 1 | 2;
}): Promise<DesktopDriver> {
  const agent = opts.localAddress ? new http.Agent({ localAddress: opts.localAddress }) : undefined;
  const socket: Socket = connect(`${opts.url}/tunnel`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    agent: agent as unknown as string,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  const keys = await generateDesktopKeys();
  const secret = generateQrSecret();
  const v1 = opts.linkVersion === 1;
  // v2: the relay derives the pairing id from the key; v1: a random id, the key only in the link.
  const ack = (await socket.emitWithAck(
    'pair:create',
    v1 ? {} : { key: compressedKey(keys.publicKey) },
  )) as PairCreateAck;
  if (!ack.ok) throw new Error(`pair:create refused: ${ack.error.code}`);
  const pairingId = ack.pairingId;
  await opts.linkOptions?.(pairingId);
  const channel = createDesktopChannel({ pairingId, keyPair: keys.keyPair, secret });
  const parts = {
    origin: opts.phoneOrigin,
    desktopPublicKey: keys.publicKey,
    secret: opts.linkSecret ?? secret,
  };
  const link = v1 ? buildQrLinkV1({ ...parts, pairingId }) : buildQrLink(parts);
  const joined = waiter<PairJoined>();
  const hello = waiter<void>();
  const answer = waiter<PhoneToDesktop>();
  const closed = waiter<PairClosed>();
  const frames: string[] = [];
  const channelErrors: Error[] = [];

  const send = async (message: DesktopToPhone) => {
    const data = await channel.seal(message);
    socket.emit('pair:msg', { pairingId, data });
  };
  const sendRequest = async (r: Omit<RequestMessage, 'type' | 'display'>) =>
    send({ type: 'request', display: DISPLAY, ...r } as RequestMessage);

  let queue = Promise.resolve();
  socket.on('pair:joined', (ev: PairJoined) => joined.resolve(ev));
  socket.on('pair:closed', (ev: PairClosed) => closed.resolve(ev));
  socket.on('pair:msg', (msg: PairMsg) => {
    frames.push(msg.data);
    queue = queue.then(async () => {
      try {
        const message = await channel.open(msg.data);
        if (message.type === 'hello') {
          hello.resolve();
          if (opts.autoRequest) {
            const r =
              typeof opts.autoRequest === 'function' ? await opts.autoRequest() : opts.autoRequest;
            await sendRequest(r);
          }
        } else answer.resolve(message);
      } catch (err) {
        channelErrors.push(err as Error);
        // What a real desktop must do: end the pairing for both.
        socket.emit('pair:cancel', { pairingId, reason: 'channel-error' });
      }
    });
  });

  return {
    socket,
    pairingId,
    link,
    secret,
    channel,
    joined: joined.promise,
    hello: hello.promise,
    answer: answer.promise,
    closed: closed.promise,
    frames,
    channelErrors,
    sendRequest,
    send,
    sendRaw: (data) => socket.emit('pair:msg', { pairingId, data }),
    complete: async () => {
      await socket.emitWithAck('pair:complete', { pairingId });
    },
    cancel: () => socket.emit('pair:cancel', { pairingId, reason: 'cancelled' }),
    close: () => {
      socket.disconnect();
      agent?.destroy();
    },
  };
}
