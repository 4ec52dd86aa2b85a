/**
 * SERVER's startTestServer with the relay on it. Until server/app.ts wires the relay itself,
 * this attaches TUNNEL's relay (server/tunnel/relay.ts) exactly as the wiring step will; once
 * app.ts does it (the pairing link is no longer the placeholder), it attaches nothing.
 */
import { startTestServer, type TestServer, type TestServerOptions } from '../../support/server';
import { noPairings } from '../../../server/context';
import { attachTunnel, type Tunnel } from '../../../server/tunnel/relay';

export async function startServerWithRelay(opts: TestServerOptions = {}): Promise<TestServer> {
  let tunnel: Tunnel | null = null;
  const server = await startTestServer({
    ...opts,
    async beforeListen(s) {
      await opts.beforeListen?.(s);
      if (s.context.pairingLink !== noPairings) return;
      tunnel = attachTunnel(s.httpServer, {
        issueReverseCode: (attemptId) => s.context.loginAttempts.issueReverseCode(attemptId),
      });
      s.context.pairingLink = tunnel.pairingLink;
    },
  });
  const close = server.close.bind(server);
  return {
    ...server,
    async close() {
      await tunnel?.close();
      await close();
    },
  };
}
