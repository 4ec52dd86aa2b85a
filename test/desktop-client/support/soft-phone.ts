/**
 * The phone half of the QR flow driven from Node, for the load test and the benchmark: the
 * same protocol the pair page (/m/pair) speaks — parse the link, `pair:join` on the real relay,
 * open the real HPKE channel (server/protocol/channel.ts), say hello, answer the request with
 * SERVER's test-side software authenticator (test/support/soft-authenticator.ts), wait for
 * `done`.
 *
 * Functional tests use the real phone page in Chromium instead (test/support/phone.ts).
 */
import { createHash } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type {
  AuthenticationOptionsJSON,
  RegistrationOptionsJSON,
} from '../../../server/protocol/api';
import { openPhoneChannel } from '../../../server/protocol/channel';
import { parseQrLink } from '../../../server/protocol/qr-link';
import {
  TUNNEL_NAMESPACE,
  type DoneMessage,
  type PairJoinAck,
  type TunnelClientToServer,
  type TunnelServerToClient,
} from '../../../server/protocol/tunnel';
import type { SoftAuthenticator } from '../../support/soft-authenticator';

export type SoftPhoneResult = { done: DoneMessage; reverseCode?: string; sameNetwork: boolean };

/**
 * Scans `link` and approves. `serverUrl` is where Node reaches the relay (127.0.0.1); the
 * authenticator signs for the phone origin (exchange.localhost), as the browser would.
 */
export async function softApprove(opts: {
  link: string;
  serverUrl: string;
  authenticator: SoftAuthenticator;
  localAddress?: string;
  timeoutMs?: number;
}): Promise<SoftPhoneResult> {
  const parsed = parseQrLink(opts.link);
  const socket: Socket<TunnelServerToClient, TunnelClientToServer> = io(
    new URL(TUNNEL_NAMESPACE, opts.serverUrl).toString(),
    {
      transports: ['websocket'],
      forceNew: true,
      reconnection: false,
      localAddress: opts.localAddress,
    } as Parameters<typeof io>[1],
  );
  try {
    return await new Promise<SoftPhoneResult>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('soft phone timed out')),
        opts.timeoutMs ?? 30_000,
      );
      const failWith = (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      };
      socket.on('connect_error', failWith);
      socket.on('pair:closed', (ev) => {
        if (ev.reason !== 'completed') failWith(new Error(`pairing closed: ${ev.reason}`));
      });
      socket.once('connect', () => {
        void (async () => {
          const ack = (await socket.timeout(10_000).emitWithAck('pair:join', {
            pairingId: parsed.pairingId,
          })) as PairJoinAck;
          if (!ack.ok) throw new Error(`join refused: ${ack.error.code}`);
          const channel = await openPhoneChannel({
            pairingId: parsed.pairingId,
            desktopPublicKey: parsed.desktopPublicKey,
            secret: parsed.secret,
          });
          // Messages are opened one at a time, in order (the channel needs it).
          let chain = Promise.resolve();
          socket.on('pair:msg', (msg) => {
            chain = chain
              .then(async () => {
                const m = await channel.open(msg.data);
                if (m.type === 'request') {
                  let response;
                  if (m.kind === 'get') {
                    // The pair page refuses a challenge other than the one the server linked.
                    const options = m.options as unknown as AuthenticationOptionsJSON;
                    if (ack.challengeHash) {
                      const h = createHash('sha256').update(options.challenge).digest('base64url');
                      if (h !== ack.challengeHash) throw new Error('challenge does not match');
                    }
                    response = opts.authenticator.assert(options);
                  } else {
                    response = opts.authenticator.register(
                      m.options as unknown as RegistrationOptionsJSON,
                    );
                  }
                  const data = await channel.seal({ type: 'result', response });
                  socket.emit('pair:msg', { pairingId: parsed.pairingId, data });
                } else if (m.type === 'done') {
                  clearTimeout(timer);
                  resolve({ done: m, reverseCode: ack.reverseCode, sameNetwork: ack.sameNetwork });
                }
              })
              .catch(failWith);
          });
          const hello = await channel.seal({ type: 'hello', v: 1 });
          socket.emit('pair:msg', { pairingId: parsed.pairingId, data: hello });
        })().catch(failWith);
      });
    });
  } finally {
    socket.close();
  }
}
