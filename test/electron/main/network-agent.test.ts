/**
 * The main process's connections through the system proxy (electron/services/network-agent.ts)
 * with a real CONNECT proxy on loopback, real http/https servers and a real socket.io server:
 * the proxy comes from the Electron stub's session.resolveProxy (PAC format), exactly the
 * function main.ts passes. Plain requests and the socket.io websocket go through the tunnel,
 * TLS inside it trusts the CA it is given (an internal CA the OS trusts), DIRECT stays direct,
 * a dead proxy fails over to the next entry, localAddress still binds the socket, and a proxy
 * Keybridge cannot use is a clear error.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, test } from 'vitest';
import { Server as SocketServer } from 'socket.io';
import { io } from 'socket.io-client';
import {
  createNetworkAgent,
  parsePacResult,
  ProxyError,
  systemCaCertificates,
} from '../../../electron/services/network-agent';
import { useElectronStub } from '../fixtures/electron-stub';
import { startConnectProxy, type ConnectProxy } from '../support/connect-proxy';

const stub = useElectronStub();
const { session } = (await import('electron')) as unknown as {
  session: { defaultSession: { resolveProxy(url: string): Promise<string> } };
};
const main = stub.main!;
// exactly electron/main.ts's wiring
const resolveProxy = (url: string) => session.defaultSession.resolveProxy(url);

let proxy: ConnectProxy;
let httpUrl: string;
let httpsUrl: string;
let caPem: string;
const servers: (http.Server | https.Server)[] = [];
let dir: string;

function listen(server: http.Server | https.Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

const hello = (req: http.IncomingMessage, res: http.ServerResponse) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ hello: 'keybridge', from: req.socket.remoteAddress }));
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-proxy-'));
  // An "internal CA": a self-signed certificate for 127.0.0.1 that Node does not trust.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=Keybridge Test CA',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  caPem = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  const key = fs.readFileSync(path.join(dir, 'key.pem'));

  const plain = http.createServer(hello);
  const tlsServer = https.createServer({ key, cert: caPem }, hello);
  new SocketServer(plain).on('connection', (s) => s.emit('welcome', 'plain'));
  new SocketServer(tlsServer).on('connection', (s) => s.emit('welcome', 'tls'));
  httpUrl = `http://127.0.0.1:${await listen(plain)}`;
  httpsUrl = `https://127.0.0.1:${await listen(tlsServer)}`;
  proxy = await startConnectProxy();
});

afterAll(async () => {
  main.proxyFor = () => 'DIRECT';
  await proxy?.close();
  for (const s of servers) {
    (s as http.Server).closeAllConnections?.();
    await new Promise((r) => s.close(r));
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

function getJson(url: string, agent: http.Agent): Promise<{ hello: string; from: string }> {
  const send = url.startsWith('https:') ? https.get : http.get;
  return new Promise((resolve, reject) => {
    const req = send(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
  });
}

function welcome(url: string, agent: http.Agent): Promise<string> {
  // The options qr-login.ts gives socket.io-client, plus the agent.
  const socket = io(url, { transports: ['websocket'], reconnection: false, agent: agent as never });
  return new Promise((resolve, reject) => {
    socket.once('welcome', (w: string) => {
      socket.close();
      resolve(w);
    });
    socket.once('connect_error', (e) => {
      socket.close();
      reject(e);
    });
  });
}

const viaProxy = () => `PROXY ${proxy.host}:${proxy.port}`;
const hostPort = (url: string) => new URL(url).host;

test('http API calls and the socket.io websocket go through the proxy the session names', async (t) => {
  main.proxyFor = viaProxy;
  main.proxyLookups.length = 0;
  proxy.tunnels.length = 0;
  const agent = createNetworkAgent(httpUrl, { resolveProxy });
  t.onTestFinished(() => agent.destroy());

  const first = await getJson(`${httpUrl}/api/x`, agent);
  assert.equal(first.hello, 'keybridge');
  const second = await getJson(`${httpUrl}/api/y`, agent);
  assert.equal(second.hello, 'keybridge');
  assert.deepEqual(
    proxy.tunnels.map((x) => x.target),
    [hostPort(httpUrl)],
    'one tunnel, kept alive for both calls',
  );
  assert.deepEqual(main.proxyLookups, [`${httpUrl}/`], 'the proxy is looked up per connection');

  // The socket.io client gets its own agent (as in qr-login.ts): its websocket is tunnelled too.
  const socketAgent = createNetworkAgent(httpUrl, { resolveProxy });
  t.onTestFinished(() => socketAgent.destroy());
  assert.equal(await welcome(httpUrl, socketAgent), 'plain');
  assert.equal(proxy.tunnels.length, 2, 'the websocket went through its own tunnel');
});

test('https through the tunnel trusts the CA it is given, and refuses one it is not', async (t) => {
  main.proxyFor = viaProxy;
  proxy.tunnels.length = 0;
  const trusting = createNetworkAgent(httpsUrl, { resolveProxy, ca: [caPem] });
  const stock = createNetworkAgent(httpsUrl, { resolveProxy });
  t.onTestFinished(() => {
    trusting.destroy();
    stock.destroy();
  });
  assert.equal((await getJson(`${httpsUrl}/api/me`, trusting)).hello, 'keybridge');
  assert.equal(await welcome(httpsUrl, trusting), 'tls');
  await assert.rejects(getJson(`${httpsUrl}/api/me`, stock), /self[- ]signed|unable to verify/i);
  assert.ok(proxy.tunnels.every((x) => x.target === hostPort(httpsUrl)));
  assert.equal(proxy.tunnels.length, 3, 'all three went through the proxy');
});

test('DIRECT stays direct; a dead proxy fails over to the next PAC entry', async (t) => {
  proxy.tunnels.length = 0;
  main.proxyFor = () => 'DIRECT';
  const direct = createNetworkAgent(httpUrl, { resolveProxy });
  t.onTestFinished(() => direct.destroy());
  assert.equal((await getJson(`${httpUrl}/`, direct)).hello, 'keybridge');
  assert.equal(proxy.tunnels.length, 0);

  // Port 1 on loopback refuses: the PAC's second choice is used.
  main.proxyFor = () => `PROXY 127.0.0.1:1; ${viaProxy()}; DIRECT`;
  const failover = createNetworkAgent(httpUrl, { resolveProxy, keepAlive: false });
  t.onTestFinished(() => failover.destroy());
  assert.equal((await getJson(`${httpUrl}/`, failover)).hello, 'keybridge');
  assert.equal(proxy.tunnels.length, 1);
});

test('localAddress still binds the socket: the proxy sees 127.0.0.2, and so does the server when direct', async (t) => {
  main.proxyFor = viaProxy;
  proxy.tunnels.length = 0;
  const proxied = createNetworkAgent(httpUrl, { resolveProxy, localAddress: '127.0.0.2' });
  t.onTestFinished(() => proxied.destroy());
  await getJson(`${httpUrl}/`, proxied);
  assert.deepEqual(
    proxy.tunnels.map((x) => x.from),
    ['127.0.0.2'],
  );

  main.proxyFor = () => 'DIRECT';
  const direct = createNetworkAgent(httpUrl, { resolveProxy, localAddress: '127.0.0.2' });
  t.onTestFinished(() => direct.destroy());
  assert.equal((await getJson(`${httpUrl}/`, direct)).from, '127.0.0.2');
});

test('a proxy Keybridge cannot use is a clear error, not a silent direct connection', async (t) => {
  proxy.tunnels.length = 0;
  main.proxyFor = () => 'SOCKS5 127.0.0.1:1080';
  const socks = createNetworkAgent(httpUrl, { resolveProxy });
  t.onTestFinished(() => socks.destroy());
  await assert.rejects(getJson(`${httpUrl}/`, socks), (e: Error) => {
    assert.ok(e instanceof ProxyError);
    assert.match(e.message, /kind of proxy Keybridge does not support/);
    return true;
  });

  main.proxyFor = viaProxy;
  proxy.requireAuth(true);
  t.onTestFinished(() => proxy.requireAuth(false));
  const authed = createNetworkAgent(httpUrl, { resolveProxy });
  t.onTestFinished(() => authed.destroy());
  await assert.rejects(getJson(`${httpUrl}/`, authed), /asks for a password/);
  assert.equal(proxy.tunnels.length, 0);
});

test('PAC answers: DIRECT, PROXY, HTTPS, IPv6, failover lists, junk', () => {
  assert.deepEqual(parsePacResult('DIRECT'), [{ kind: 'direct' }]);
  assert.deepEqual(parsePacResult('PROXY proxy.corp:3128; HTTPS [::1]:443;DIRECT'), [
    { kind: 'proxy', host: 'proxy.corp', port: 3128, secure: false },
    { kind: 'proxy', host: '::1', port: 443, secure: true },
    { kind: 'direct' },
  ]);
  assert.deepEqual(parsePacResult('SOCKS5 s:1080; PROXY p:8080'), [
    { kind: 'proxy', host: 'p', port: 8080, secure: false },
  ]);
  assert.throws(() => parsePacResult('PROXY nowhere'), ProxyError);
  assert.throws(() => parsePacResult(''), ProxyError);
});

test("system CAs: Node's roots plus the OS store where Node can read it, else Node's defaults", () => {
  const fake = {
    getCACertificates: (type?: string) =>
      type === 'system' ? ['os-ca', 'shared'] : ['node-ca', 'shared'],
  };
  assert.deepEqual(systemCaCertificates(fake), ['node-ca', 'shared', 'os-ca']);
  assert.equal(systemCaCertificates({}), undefined, 'Node 20: leave the defaults alone');
});
