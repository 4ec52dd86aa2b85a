/**
 * `keybridge login|status|logout` run as a child process (bin/keybridge.mjs) against the real
 * server, with the phone page in Chromium approving the link the CLI prints, and the real
 * keychain (the CLI keeps its entries under KEYBRIDGE_VAULT_SERVICE so tests stay apart).
 */
import type * as Keytar from 'keytar';
import { afterAll, beforeAll, test, type TestContext } from 'vitest';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { createApiClient } from '../../../electron/services/api-client';
import { createSessionManager } from '../../../electron/services/session';
import { DEFAULT_SERVER_URL } from '../../../electron/services/server-url';
import { createKeytarVault, VAULT_SERVICE } from '../../../electron/services/token-vault';
import { launchChromium } from '../../support/chromium';
import { createPhone, type Phone } from '../../support/phone';
import { startTestServer, type TestServer } from '../../support/server';

const keytar = createRequire(import.meta.url)('keytar') as typeof Keytar;
const service = `${VAULT_SERVICE}.test-cli-${randomBytes(4).toString('hex')}`;
const BIN = path.resolve(import.meta.dirname, '../../../bin/keybridge.mjs');
const PASSWORD = 'cli test password 123';
// Link v2 (server/protocol/qr-link.ts): scheme and host in capitals, then the digits.
const LINK = /^HTTP:\/\/EXCHANGE\.LOCALHOST:\d+\/m\/pair#2\d{157}$/;

let server: TestServer;
let browser: Browser;
let phone: Phone;
const email = `cli-${randomBytes(3).toString('hex')}@example.com`;

type Run = {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** The first stdout line matching re, now or when it is printed. */
  line(re: RegExp): Promise<string>;
  exit: Promise<number | null>;
};

function cli(t: TestContext, args: string[], env: NodeJS.ProcessEnv = {}): Run {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: path.resolve(import.meta.dirname, '../../..'),
    // English unless a test asks for another language (the words are asserted below).
    env: {
      ...process.env,
      LC_ALL: '',
      LC_MESSAGES: '',
      LANG: 'C.UTF-8',
      KEYBRIDGE_LOCALE: '',
      KEYBRIDGE_VAULT_SERVICE: service,
      ...env,
    },
  });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const hit = out.split('\n').find((l) => w.re.test(l));
      if (hit) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(hit);
      }
    }
  };
  child.stdout.on('data', (d) => {
    out += String(d);
    check();
  });
  child.stderr.on('data', (d) => (err += String(d)));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  t.onTestFinished(() => {
    if (child.exitCode === null) child.kill();
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    line: (re) =>
      new Promise((resolve, reject) => {
        waiters.push({ re, resolve });
        check();
        void exit.then((code) =>
          reject(new Error(`exited ${code} before printing ${re}: ${out}\n${err}`)),
        );
      }),
    exit,
  };
}

/** A camera scan opens a new page (a fragment-only change would not reload /m/pair). */
async function scan(link: string, opts?: { expectCode?: boolean }) {
  await phone.page.goto('about:blank');
  return phone.approvePairing(link, opts);
}

/** Exactly one line on stderr, `keybridge: <reason>`. */
function oneLine(stderr: string): string {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line, got: ${stderr}`);
  const [line = ''] = lines;
  assert.match(line, /^keybridge: \S/);
  return line;
}

beforeAll(async () => {
  server = await startTestServer({ logLevel: 'warn' });
  browser = await launchChromium();
  phone = await createPhone({ phoneOrigin: server.phoneOrigin, browser });
  await phone.signUp(email, PASSWORD);
  await phone.enrolPasskey(PASSWORD);
});

afterAll(async () => {
  await phone?.close();
  await browser?.close();
  await server?.close();
  for (const c of await keytar.findCredentials(service))
    await keytar.deletePassword(service, c.account);
});

test('login prints the QR and the link, the phone approves, exit 0 "Signed in as"; status; logout', async (t) => {
  const login = cli(t, ['login', '--server', server.url, '--device-name', 'CI runner']);
  const link = await login.line(LINK);
  assert.match(login.stdout(), /▄|█/, 'a QR drawn with terminal blocks');
  await scan(link);
  assert.equal(await login.exit, 0, login.stderr());
  assert.match(login.stdout(), new RegExp(`^Signed in as ${email}$`, 'm'));
  assert.match(login.stdout(), /^Scanned\. Confirm on your phone\.$/m);
  const stored = await keytar.findCredentials(service);
  assert.equal(stored.filter((c) => c.account !== 'current-account').length, 1);

  const status = cli(t, ['status']);
  assert.equal(await status.exit, 0, status.stderr());
  assert.match(status.stdout(), new RegExp(`^Signed in as ${email} on ${server.url}$`, 'm'));

  const logout = cli(t, ['logout', '--server', server.url]);
  assert.equal(await logout.exit, 0, logout.stderr());
  assert.match(logout.stdout(), /^Signed out\.$/m);
  assert.deepEqual(await keytar.findCredentials(service), [], 'the keychain entries are gone');

  const after = cli(t, ['status', '--server', server.url]);
  assert.equal(await after.exit, 1);
  assert.match(oneLine(after.stderr()), /Not signed in/);
});

test('signing in again replaces the saved session: the old one is ended on the server', async (t) => {
  for (const name of ['CLI one', 'CLI two']) {
    const login = cli(t, ['login', '--server', server.url, '--device-name', name]);
    await scan(await login.line(LINK));
    assert.equal(await login.exit, 0, login.stderr());
  }
  const api = createApiClient({ serverUrl: server.url });
  t.onTestFinished(() => api.close());
  const session = createSessionManager({ api, vault: createKeytarVault({ service }) });
  assert.equal((await session.restore())?.email, email);
  const { sessions } = await session.withAccess((token) => api.sessions(token));
  const devices = sessions.map((s) => s.device).join(' | ');
  assert.ok(!devices.includes('CLI one'), `the replaced session is still live: ${devices}`);
  assert.ok(devices.includes('CLI two'), devices);
  const entries = await keytar.findCredentials(service);
  assert.equal(entries.filter((c) => c.account !== 'current-account').length, 1);
  assert.equal(await cli(t, ['logout']).exit, 0);
});

test('different network: a wrong code says tries left once; the code as the phone shows it ("637 524") signs in', async (t) => {
  const login = cli(t, ['login', '--server', server.url, '--local-address', '127.0.0.2']);
  const link = await login.line(LINK);
  // While nobody has scanned, the time left is printed.
  await login.line(/^Waiting for your phone to scan the code: [01]:\d\d left$/);
  const { reverseCode } = await scan(link, { expectCode: true });
  // The prompt says how long the code can still be typed.
  await login.line(/Type the 6-digit code shown on your phone \(\d:\d\d left\): /);
  login.child.stdin.write(`${reverseCode === '000000' ? '111 111' : '000 000'}\n`);
  await login.line(/That code is not the one on your phone\./);
  await login.line(/\(4 tries left, \d:\d\d left\): /);
  // Grouped like the phone shows it, with a space.
  login.child.stdin.write(`${reverseCode!.slice(0, 3)} ${reverseCode!.slice(3)}\n`);
  assert.equal(await login.exit, 0, login.stderr());
  assert.match(login.stdout(), new RegExp(`^Signed in as ${email}$`, 'm'));
  assert.equal(
    login.stdout().match(/tries left/g)?.length,
    1,
    `"tries left" said once per wrong code: ${login.stdout()}`,
  );
  assert.equal(await cli(t, ['logout']).exit, 0);
});

test('denied on the phone -> exit 1 with one line', async (t) => {
  const login = cli(t, ['login', '--server', server.url]);
  const link = await login.line(LINK);
  await phone.page.goto('about:blank');
  await phone.denyPairing(link);
  assert.equal(await login.exit, 1);
  assert.match(oneLine(login.stderr()), /denied/);
});

test('nobody scans before --timeout -> exit 1, expired', async (t) => {
  const login = cli(t, ['login', '--server', server.url, '--timeout', '1']);
  await login.line(LINK);
  assert.equal(await login.exit, 1);
  assert.match(oneLine(login.stderr()), /expired/);
});

test('server down -> exit 1 with one line', async (t) => {
  // A port nobody listens on: a server we started and stopped.
  const gone = await startTestServer({ logLevel: 'warn' });
  await gone.close();
  const login = cli(t, ['login', '--server', gone.url]);
  assert.equal(await login.exit, 1);
  assert.match(oneLine(login.stderr()), /Cannot reach the server/);
  assert.doesNotMatch(login.stdout(), /m\/pair#/, 'no QR for a server that is not there');
});

test('no keychain reachable -> exit 1 with one plain line, no QR, no file written', async (t) => {
  const home = await mkdtemp(path.join(tmpdir(), 'kb-cli-nokeychain-'));
  t.onTestFinished(() => rm(home, { recursive: true, force: true }));
  const login = cli(t, ['login', '--server', server.url], {
    HOME: home,
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
    DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, 'no-bus')}`,
  });
  assert.equal(await login.exit, 1);
  const line = oneLine(login.stderr());
  assert.match(line, /system keychain is not available.*To fix it: .*Nothing was saved to disk/);
  // One plain fix step; the raw libsecret / D-Bus text is not for people.
  assert.doesNotMatch(line, /D-Bus|dbus|org\.freedesktop|autolaunch|\[/i);
  assert.doesNotMatch(login.stdout(), /m\/pair#/);
  assert.deepEqual(await readdir(home, { recursive: true }), []);
});

test('no --server: login uses the desktop app’s default server', async (t) => {
  // Nothing listens on the default port here, so the attempt names where it went.
  const noServer = cli(t, ['login'], { KEYBRIDGE_SERVER_URL: '' });
  assert.equal(await noServer.exit, 1);
  assert.match(
    oneLine(noServer.stderr()),
    new RegExp(`Cannot reach the server at ${DEFAULT_SERVER_URL.replace(/\./g, '\\.')}`),
  );
  const help = cli(t, ['--help']);
  assert.equal(await help.exit, 0);
  assert.match(help.stdout(), new RegExp(DEFAULT_SERVER_URL.replace(/\./g, '\\.')));
});

test('usage errors exit 2', async (t) => {
  const unknown = cli(t, ['frobnicate']);
  assert.equal(await unknown.exit, 2);
  const badServer = cli(t, ['login', '--server=foo']);
  assert.equal(await badServer.exit, 2);
  assert.match(oneLine(badServer.stderr()), /^keybridge: Not a server URL: foo \(expected http/);
});

test('LANG=zh_CN.UTF-8: the CLI speaks Simplified Chinese, from the QR to "已登录", status and logout', async (t) => {
  const zh = { LANG: 'zh_CN.UTF-8' };
  const help = cli(t, ['--help'], zh);
  assert.equal(await help.exit, 0);
  assert.match(help.stdout(), /^用法：$/m);
  assert.match(help.stdout(), /用手机扫描 QR 码，登录你的交易所账户。/);

  const login = cli(t, ['login', '--server', server.url, '--device-name', 'CI runner'], zh);
  const link = await login.line(LINK);
  assert.match(login.stdout(), /^用手机扫描 QR 码，或在手机上打开此链接：$/m);
  await scan(link);
  assert.equal(await login.exit, 0, login.stderr());
  assert.match(login.stdout(), /^已扫描。请在手机上确认。$/m);
  assert.match(login.stdout(), new RegExp(`^已登录：${email}$`, 'm'));
  assert.doesNotMatch(login.stdout(), /Signed in|Scanned|Waiting/, 'no English line left');

  const status = cli(t, ['status'], zh);
  assert.equal(await status.exit, 0, status.stderr());
  assert.match(status.stdout(), new RegExp(`^已登录：${email}，服务器 ${server.url}$`, 'm'));
  assert.match(status.stdout(), /^通行密钥：\d+ {2}会话：\d+ {2}身份验证器应用：(已开启|未开启)$/m);

  const logout = cli(t, ['logout', '--server', server.url], zh);
  assert.equal(await logout.exit, 0, logout.stderr());
  assert.match(logout.stdout(), /^已退出登录。$/m);

  // Failures too: one line, in Chinese, after the same "keybridge: " prefix.
  const after = cli(t, ['status', '--server', server.url], zh);
  assert.equal(await after.exit, 1);
  assert.match(oneLine(after.stderr()), /^keybridge: 未登录 /);
  const bad = cli(t, ['login', '--server', 'foo'], { LC_ALL: 'zh_CN.UTF-8', LANG: 'C' });
  assert.equal(await bad.exit, 2);
  assert.match(oneLine(bad.stderr()), /^keybridge: 不是服务器地址：foo/);
});
