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
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { vaultAccountName } from '../../electron/services/token-vault';
import { parseQrLink } from '../../server/protocol/qr-link';
import { wrongCode } from '../desktop-client/support/flow';
import { createPhone, type Phone } from '../support/phone';
import { createTestSchema } from '../support/postgres';
import {
  DESKTOP_ADDRESS,
  deployedStackMissing,
  PHONE_ADDRESS,
  startDeployedStack,
  type DeployedStack,
} from './support/topology/stack';

const keytar = createRequire(import.meta.url)('keytar') as typeof import('keytar');
const PASSWORD = 'a long enough password 1';
const email = `deployed-${randomBytes(3).toString('hex')}@example.com`;

const schema = await createTestSchema();
const skip = deployedStackMissing(schema);
if (skip) process.stdout.write(`# deployed-topology skipped: ${skip}\n`);

let stack: DeployedStack;
let phone: Phone;

before(async () => {
  if (skip) return;
  stack = await startDeployedStack(schema);
  phone = await createPhone({ phoneOrigin: stack.phoneOrigin, browser: stack.browser });
  await phone.signUp(email, PASSWORD);
  await phone.enrolPasskey(PASSWORD);
});

after(async () => {
  await phone?.close();
  await stack?.stop();
  await schema.drop();
});

/** Which server processes nginx sent requests to (from its access log). */
function upstreamsUsed(lines: string[]): Set<string> {
  return new Set(lines.map((l) => /upstream=(\S+)/.exec(l)?.[1] ?? '').filter(Boolean));
}

test(
  'different networks through nginx: the reverse code is demanded, a wrong one refused, the right one signs in',
  { skip },
  async (t) => {
    const desktop = stack.desktop();
    t.after(() => desktop.stop());
    const { link } = await desktop.waitForState('waiting-for-scan');
    const qr = parseQrLink(link);
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
    assert.equal(
      scanned.phone.ip,
      PHONE_ADDRESS,
      'the desktop is told the phone address nginx saw',
    );

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
    const logs = stack.serverLogs();
    assert.ok(!logs.includes(qr.secret), 'QR secret in server logs');
    assert.ok(!logs.includes(refreshToken!), 'refresh token in server logs');
    await desktop.signOut();
  },
);
