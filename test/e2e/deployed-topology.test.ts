/**
 * Keybridge as it is deployed (test/e2e/support/topology/stack.ts): real nginx terminating
 * real TLS in front of two server processes on one PostgreSQL schema and one Redis; the phone
 * in Chromium over https://exchange.localhost from 127.0.0.3, the desktop client in its own
 * Node process from 127.0.0.2. The addresses the server acts on (reverse code, sessions list,
 * rate limits) must be the ones nginx saw, whatever a client writes in X-Forwarded-For.
 *
 * The flow-specific part (how the desktop and the phone finish a QR sign-in) is signInByQr
 * below; the stack itself does not depend on it.
 */
import type * as Keytar from 'keytar';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterAll, beforeAll } from 'vitest';
import { vaultAccountName } from '../../electron/services/token-vault';
import { parseQrLink } from '../../server/protocol/qr-link';
import { wrongCode } from '../electron/services/support/flow';
import { createPhone, type Phone } from '../support/phone';
import { createTestSchema } from '../support/postgres';
import { httpsCall } from './support/topology/https-call';
import {
  DESKTOP_ADDRESS,
  deployedStackMissing,
  PHONE_ADDRESS,
  startDeployedStack,
  type DeployedStack,
} from './support/topology/stack';
import { skipIf } from '../support/vitest';

const keytar = createRequire(import.meta.url)('keytar') as typeof Keytar;
const PASSWORD = 'a long enough password 1';
const email = `deployed-${randomBytes(3).toString('hex')}@example.com`;

const schema = await createTestSchema();
const skip = deployedStackMissing(schema);

let stack: DeployedStack;
let phone: Phone;

beforeAll(async () => {
  if (skip) return;
  stack = await startDeployedStack(schema);
  phone = await createPhone({ phoneOrigin: stack.phoneOrigin, browser: stack.browser });
  await phone.signUp(email, PASSWORD);
  await phone.enrolPasskey(PASSWORD);
});

afterAll(async () => {
  await phone?.close();
  await stack?.stop();
  await schema.drop();
});

/** Which server processes nginx sent requests to (from its access log). */
function upstreamsUsed(lines: string[]): Set<string> {
  return new Set(lines.map((l) => /upstream=(\S+)/.exec(l)?.[1] ?? '').filter(Boolean));
}

skipIf(skip)(
  'different networks through nginx: the reverse code is demanded, a wrong one refused, the right one signs in',
  async (t) => {
    const desktop = stack.desktop();
    t.onTestFinished(() => desktop.stop());
    const { link } = await desktop.waitForState('waiting-for-scan');
    const qr = await parseQrLink(link);
    assert.equal(qr.origin, stack.phoneOrigin, 'the QR sends the phone to the https RP origin');

    // A camera scan opens the link as a new page (not a fragment change of the last one).
    await phone.page.goto('about:blank');
    const [shown, scanned] = await Promise.all([
      phone.approvePairing(link, { expectCode: true }),
      desktop.waitForState('scanned'),
    ]);
    assert.equal(
      shown.desktopIp,
      DESKTOP_ADDRESS,
      'the phone is told the desktop address nginx saw',
    );
    assert.ok(shown.networkWarning, 'the phone warns: another network');
    assert.match(shown.reverseCode ?? '', /^\d{6}$/);
    assert.equal(scanned.sameNetwork, false);
    // The desktop learns the phone's readable name only, never its address.
    assert.match(scanned.phone.device, /\S/);
    assert.ok(!JSON.stringify(scanned).includes(PHONE_ADDRESS), JSON.stringify(scanned));

    // The desktop redeemed without a code: refused, nothing signed in, the code is asked for.
    const asked = await desktop.waitForState('needs-code');
    assert.equal(asked.triesLeft, undefined);
    const wrong = await desktop.submitCode(wrongCode(shown.reverseCode!));
    assert.equal(wrong.status, 'needs-code');
    assert.equal(wrong.status === 'needs-code' && wrong.triesLeft, 4, JSON.stringify(wrong));

    const signedIn = await desktop.submitCode(shown.reverseCode!);
    assert.equal(signedIn.status, 'signed-in', JSON.stringify(signedIn));
    assert.equal(signedIn.status === 'signed-in' && signedIn.user.email, email);
    await phone.waitForPairingDone();
    assert.deepEqual(desktop.path(), [
      'starting',
      'waiting-for-scan',
      'scanned',
      'waiting-for-approval',
      'verifying',
      'needs-code',
      'verifying',
      'needs-code',
      'verifying',
      'signed-in',
    ]);

    // The refresh token is in the real keychain, under the https origin the desktop uses.
    const user = signedIn.status === 'signed-in' ? signedIn.user : null;
    const account = vaultAccountName({ serverOrigin: stack.desktopUrl, userId: user!.id });
    const refreshToken = await keytar.getPassword(desktop.vaultService, account);
    assert.match(refreshToken ?? '', /^[A-Za-z0-9_-]{20,100}$/);

    // The session is recorded from the desktop's address, not nginx's.
    const { sessions } = await desktop.sessions();
    assert.equal(sessions.find((s) => s.current)?.ip, DESKTOP_ADDRESS);

    // nginx spread the requests over both server processes (the Redis-backed relay and
    // attempt store carried the sign-in across them).
    const used = upstreamsUsed(stack.nginx.accessLog());
    assert.deepEqual(
      [...used].sort(),
      stack.servers.map((s) => `127.0.0.1:${s.port}`).sort(),
      'both servers answered',
    );

    // Behind TLS-terminating nginx the servers believe X-Forwarded-Proto: cookies are Secure.
    const cookies = await phone.context.cookies(stack.phoneOrigin);
    assert.ok(cookies.length > 0);
    for (const c of cookies) assert.equal(c.secure, true, `cookie ${c.name} is Secure`);

    // No secret in either server's output.
    const logs = await stack.serverLogs();
    assert.ok(!logs.includes(qr.secret), 'QR secret in server logs');
    assert.ok(!logs.includes(refreshToken!), 'refresh token in server logs');
    await desktop.signOut();
  },
);

skipIf(skip)(
  'same network through nginx (phone and desktop both from 127.0.0.2): no code is asked',
  async (t) => {
    stack.phoneLink.setSource(DESKTOP_ADDRESS);
    t.onTestFinished(() => stack.phoneLink.setSource(PHONE_ADDRESS));
    const desktop = stack.desktop();
    t.onTestFinished(() => desktop.stop());
    const { link } = await desktop.waitForState('waiting-for-scan');
    await phone.page.goto('about:blank');
    const [shown, scanned] = await Promise.all([
      phone.approvePairing(link),
      desktop.waitForState('scanned'),
    ]);
    assert.equal(shown.reverseCode, undefined, 'no code on the phone');
    assert.equal(shown.networkWarning, false);
    assert.equal(shown.desktopIp, DESKTOP_ADDRESS);
    assert.equal(scanned.sameNetwork, true);
    assert.match(scanned.phone.device, /\S/);
    const signedIn = await desktop.waitForState('signed-in');
    assert.equal(signedIn.user.email, email);
    assert.ok(!desktop.path().includes('needs-code'), desktop.path().join(' > '));
    await phone.waitForPairingDone();
    await desktop.signOut();
  },
);

skipIf(skip)(
  'an X-Forwarded-For the desktop writes changes nothing: still another network, the code is still demanded',
  async (t) => {
    // The desktop (127.0.0.2) claims the phone's address on every HTTP request and on its
    // socket.io handshake. nginx appends the real peer; the servers trust only nginx.
    const desktop = stack.desktop({ forgeXff: [PHONE_ADDRESS] });
    t.onTestFinished(() => desktop.stop());
    const { link } = await desktop.waitForState('waiting-for-scan');
    await phone.page.goto('about:blank');
    const [shown, scanned] = await Promise.all([
      phone.approvePairing(link, { expectCode: true }),
      desktop.waitForState('scanned'),
    ]);
    assert.equal(scanned.sameNetwork, false, 'the forged header did not make it one network');
    assert.equal(shown.desktopIp, DESKTOP_ADDRESS);
    assert.ok(shown.networkWarning);
    await desktop.waitForState('needs-code');

    const signedIn = await desktop.submitCode(shown.reverseCode!);
    assert.equal(signedIn.status, 'signed-in', JSON.stringify(signedIn));
    await phone.waitForPairingDone();
    const { sessions } = await desktop.sessions();
    assert.equal(
      sessions.find((s) => s.current)?.ip,
      DESKTOP_ADDRESS,
      'recorded from the real address',
    );

    // The forgery really went out, and through nginx, on the handshake as on the API calls.
    const forged = await desktop.forged();
    assert.ok(forged.websockets >= 1, JSON.stringify(forged));
    assert.ok(forged.requests >= 4, JSON.stringify(forged));
    const fromDesktop = stack.nginx
      .accessLog()
      .filter((l) => l.startsWith(`${DESKTOP_ADDRESS} `) && l.includes(`xff="${PHONE_ADDRESS}"`));
    assert.ok(
      fromDesktop.some((l) => l.includes('/socket.io/')),
      'handshake with forged XFF',
    );
    assert.ok(
      fromDesktop.some((l) => l.includes('/api/auth/passkey/redeem')),
      'redeem with forged XFF',
    );
    await desktop.signOut();
  },
);

skipIf(skip)(
  'over HTTP through nginx: a forged X-Forwarded-For neither renames the client nor lifts its per-IP limit',
  async () => {
    const call = <T>(
      localAddress: string,
      path: string,
      o: { body?: unknown; headers?: Record<string, string> } = {},
    ) =>
      httpsCall<T>({ url: stack.desktopUrl, caPath: stack.certs.caPath, localAddress, path, ...o });

    // Keyed as 127.0.0.2: the session a password sign-in makes, whatever the client claims.
    const login = await call<{ accessToken: string }>(DESKTOP_ADDRESS, '/api/auth/password', {
      body: { email, password: PASSWORD, client: 'desktop' },
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    const listed = await call<{ sessions: { current: boolean; ip: string }[] }>(
      DESKTOP_ADDRESS,
      '/api/sessions',
      {
        headers: {
          authorization: `Bearer ${login.body.accessToken}`,
          'x-forwarded-for': PHONE_ADDRESS,
        },
      },
    );
    assert.equal(listed.status, 200);
    assert.equal(listed.body.sessions.find((s) => s.current)?.ip, DESKTOP_ADDRESS);

    // 60 passkey sign-in starts a minute per client subnet (/24; server/http/subnet.ts). A
    // subnet no other test uses, a new forged X-Forwarded-For on every request: the 61st is
    // still refused.
    const attacker = '127.0.5.5';
    const max = 60;
    const before = stack.nginx.accessLog().length;
    for (let i = 1; i <= max; i++) {
      const r = await call(attacker, '/api/auth/passkey/options', {
        body: {},
        headers: { 'x-forwarded-for': `198.51.100.${i}` },
      });
      assert.equal(r.status, 200, `request ${i}: ${JSON.stringify(r.body)}`);
    }
    const refused = await call<{ error: { code: string; message: string } }>(
      attacker,
      '/api/auth/passkey/options',
      {
        body: {},
        headers: { 'x-forwarded-for': '198.51.100.250' },
      },
    );
    assert.equal(refused.status, 429, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, 'rate_limited');
    assert.match(refused.headers['retry-after'] ?? '', /^\d+$/);
    // The count is shared: nginx sent these requests to both servers.
    assert.equal(upstreamsUsed(stack.nginx.accessLog().slice(before)).size, 2);

    // Someone honest on another subnet is not limited by it.
    const honest = await call('127.0.6.6', '/api/auth/passkey/options', { body: {} });
    assert.equal(honest.status, 200, JSON.stringify(honest.body));
  },
);
