/**
 * Outgoing connections of the main process (API client, socket.io tunnel) the way the
 * person's browser makes them. Node's http/https and `ws` ignore the system proxy / PAC
 * settings and the OS certificate store, so behind a corporate proxy or an internal CA the app
 * failed where the browser worked. Here:
 *
 * - the proxy for each connection comes from an injected `resolveProxy(url)` (Electron's
 *   `session.defaultSession.resolveProxy` in main.ts: system settings, PAC, --proxy-server),
 *   answered in PAC format: "DIRECT", "PROXY host:port", "HTTPS host:port", "; "-separated for
 *   failover;
 * - through a proxy, the connection is an HTTP CONNECT tunnel (plain http and websockets too:
 *   forwarding proxies rarely pass a websocket upgrade), then TLS to the server inside it;
 * - TLS trusts Node's bundled roots plus the system store (`tls.getCACertificates('system')`,
 *   Node >= 22.15 as in Electron 45), so an internal CA the OS trusts works.
 *
 * It is one http.Agent / https.Agent per server, so keep-alive pooling stays what it was, and
 * `localAddress` (tests: "another network") binds the socket to the proxy or to the server.
 * Written on node:http's createConnection hook rather than https-proxy-agent: the proxy is
 * looked up per connection (asynchronously), which the fixed-proxy agents do not do.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';

export type ResolveProxy = (url: string) => Promise<string>;

export type ProxyChoice =
  { kind: 'direct' } | { kind: 'proxy'; host: string; port: number; secure: boolean };

export type NetworkAgentOptions = {
  /** PAC-format answer for a URL; without it every connection is direct */
  resolveProxy?: ResolveProxy;
  /** bind outgoing sockets to this local address (tests: another "network") */
  localAddress?: string;
  /** trusted roots for TLS; default: Node's bundled roots plus the system's (systemCaCertificates) */
  ca?: readonly string[];
  keepAlive?: boolean;
  /** CONNECT handshake limit */
  proxyTimeoutMs?: number;
};

export class ProxyError extends Error {
  override name = 'ProxyError';
}

/**
 * Parses a PAC result. Entries Keybridge cannot use (SOCKS) are left out; an answer with no
 * usable entry at all is a clear error rather than a silent direct connection past the proxy.
 */
export function parsePacResult(answer: string): ProxyChoice[] {
  const choices: ProxyChoice[] = [];
  let unsupported = false;
  for (const part of answer.split(';')) {
    const [kind = '', where = ''] = part.trim().split(/\s+/);
    const type = kind.toUpperCase();
    if (type === '') continue;
    if (type === 'DIRECT') {
      choices.push({ kind: 'direct' });
      continue;
    }
    if (type !== 'PROXY' && type !== 'HTTPS') {
      unsupported = true;
      continue;
    }
    const hostPort = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(where);
    const port = Number(hostPort?.[2]);
    if (!hostPort || !(port > 0 && port < 65536)) {
      unsupported = true;
      continue;
    }
    choices.push({ kind: 'proxy', host: hostPort[1]!, port, secure: type === 'HTTPS' });
  }
  if (choices.length === 0) {
    throw new ProxyError(
      unsupported
        ? `The system's proxy setting (${answer.trim()}) uses a kind of proxy Keybridge does not support.`
        : 'The system gave no proxy setting.',
    );
  }
  return choices;
}

type TlsModule = { getCACertificates?: (type?: 'default' | 'system' | 'bundled') => string[] };

/**
 * Node's roots plus the operating system's, or undefined where Node cannot read the system
 * store (Node < 22.15; then Node's defaults apply unchanged). Passing `ca` replaces Node's
 * list, hence the union.
 */
export function systemCaCertificates(
  tlsModule: TlsModule = tls as unknown as TlsModule,
): string[] | undefined {
  const get = tlsModule.getCACertificates;
  if (typeof get !== 'function') return undefined;
  try {
    return [...new Set([...get('default'), ...get('system')])];
  } catch {
    return undefined;
  }
}

type ConnectCallback = (error: Error | null, socket?: Duplex) => void;
type ConnectOptions = http.ClientRequestArgs & tls.ConnectionOptions & { host?: string };

/** The agent for connections to `serverUrl` (http: an http.Agent, https: an https.Agent). */
export function createNetworkAgent(
  serverUrl: string,
  options: NetworkAgentOptions = {},
): http.Agent {
  const url = new URL(serverUrl);
  const secure = url.protocol === 'https:';
  if (!secure && url.protocol !== 'http:') {
    throw new ProxyError(`Keybridge connects over http or https, not ${url.protocol}`);
  }
  const ca = options.ca ?? (secure ? systemCaCertificates() : undefined);
  const agentOptions: https.AgentOptions = {
    keepAlive: options.keepAlive ?? true,
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    ...(ca ? { ca: [...ca] } : {}),
  };
  const { resolveProxy, localAddress } = options;
  const timeoutMs = options.proxyTimeoutMs ?? 15_000;

  // createConnection with a callback is node:http's asynchronous form (_http_agent.js).
  function connect(
    this: http.Agent,
    direct: (o: ConnectOptions) => Duplex,
    o: ConnectOptions,
    cb: ConnectCallback,
  ): undefined {
    const host = o.host ?? url.hostname;
    const port = Number(o.port) || (secure ? 443 : 80);
    if (!resolveProxy) {
      cb(null, direct(o));
      return undefined;
    }
    const target = `${secure ? 'https' : 'http'}://${net.isIPv6(host) ? `[${host}]` : host}:${port}/`;
    (async () => {
      let choices: ProxyChoice[];
      try {
        choices = parsePacResult(await resolveProxy(target));
      } catch (e) {
        return cb(e instanceof ProxyError ? e : new ProxyError(`proxy lookup failed: ${msg(e)}`));
      }
      let last: Error | null = null;
      for (const choice of choices) {
        if (choice.kind === 'direct') return cb(null, direct(o));
        try {
          const tunnel = await openTunnel(choice, host, port, localAddress, timeoutMs);
          if (!secure) return cb(null, tunnel);
          const servername = o.servername || (net.isIP(host) ? undefined : host);
          return cb(null, tls.connect({ ...o, socket: tunnel, servername }));
        } catch (e) {
          last = e instanceof Error ? e : new Error(String(e));
        }
      }
      cb(last ?? new ProxyError('no proxy could be reached'));
    })().catch((e: unknown) => cb(e instanceof Error ? e : new Error(String(e))));
    return undefined;
  }

  const agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const direct = secure
    ? (o: ConnectOptions) => tls.connect(o as tls.ConnectionOptions)
    : (o: ConnectOptions) => net.connect(o as net.NetConnectOpts);
  (agent as unknown as { createConnection: unknown }).createConnection = function (
    o: ConnectOptions,
    cb: ConnectCallback,
  ) {
    return connect.call(agent, direct, o, cb);
  };
  return agent;
}

function msg(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Opens a CONNECT tunnel to host:port through the proxy; resolves with the raw socket. */
function openTunnel(
  proxy: Extract<ProxyChoice, { kind: 'proxy' }>,
  host: string,
  port: number,
  localAddress: string | undefined,
  timeoutMs: number,
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const base = { host: proxy.host, port: proxy.port, ...(localAddress ? { localAddress } : {}) };
    const socket: net.Socket = proxy.secure
      ? tls.connect({ ...base, servername: net.isIP(proxy.host) ? undefined : proxy.host })
      : net.connect(base);
    const where = `${proxy.host}:${proxy.port}`;
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () =>
      fail(new ProxyError(`the proxy ${where} did not answer in time`)),
    );
    const onError = (e: Error) => fail(new ProxyError(`the proxy ${where} failed: ${e.message}`));
    socket.once('error', onError);
    socket.once(proxy.secure ? 'secureConnect' : 'connect', () => {
      const authority = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
      socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
    });
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) {
        if (head.length > 16_384) fail(new ProxyError(`the proxy ${where} sent a garbled answer`));
        return;
      }
      socket.off('data', onData);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head.toString('latin1'))?.[1]);
      if (status !== 200) {
        const why =
          status === 407
            ? 'asks for a password, which Keybridge does not support yet'
            : `refused the connection (${Number.isFinite(status) ? status : 'no status'})`;
        return fail(new ProxyError(`the proxy ${where} ${why}`));
      }
      socket.setTimeout(0);
      socket.off('error', onError);
      const rest = head.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('data', onData);
  });
}
