/**
 * startTestServer (test/support/server.ts: real Fastify, SQLite in a temp dir, the relay wired by
 * server/app.ts) with an observer on every relay event and, when asked, shorter lifetimes.
 */
import type { TunnelAttachOptions } from '../../../../server/tunnel/attach';
import type { RelayObservation } from '../../../../server/tunnel/relay';
import { startTestServer, type TestServer } from '../../../support/server';

export type TunnelTestServer = TestServer & { observed: RelayObservation[] };

export async function startTunnelServer(
  tunnel: Omit<TunnelAttachOptions, 'observer'> = {},
): Promise<TunnelTestServer> {
  const observed: RelayObservation[] = [];
  const server = await startTestServer({
    tunnel: { ...tunnel, observer: (o) => observed.push(o) },
  });
  return Object.assign(server, { observed });
}
