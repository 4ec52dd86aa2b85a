/**
 * The harder paths of QR sign-in, with real parts: the reverse code when the desktop is on
 * another network (its connections bound to 127.0.0.2), the server down at launch (plain words,
 * and "Try again" works once it is up), and a full sign-in after which no token or secret is
 * anywhere the renderer can see or in the app's data directory.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseQrLink } from '../../server/protocol/qr-link';
import { readQr } from '../support/read-qr';
import { startTcpGate } from './support/tcp-gate';
import { worldTest } from '../support/fixtures';

const test = worldTest();

test('different networks: the desktop asks for the code the phone shows', async ({
  world,
  launchDesktop,
}) => {
  const { email, phone } = await world.newAccount();
  const desktop = await launchDesktop({
    localAddress: '127.0.0.2', // the relay sees the desktop on another "public network"
  });
  const { page } = desktop;
  const link = await readQr(page);
  const { reverseCode } = await phone.approvePairing(link, { expectCode: true });
  assert.match(reverseCode ?? '', /^\d{6}$/);

  const input = page.getByLabel('Code from your phone', { exact: true });
  await input.waitFor();
  // A wrong code first: refused, the attempt stays alive, tries left are shown.
  await input.fill(reverseCode === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: 'Verify code' }).click();
  await page.getByText(/^\d+ tries left$/).waitFor();
  await page.getByRole('alert').first().waitFor();
  // The tries left are said once, under the field, not again in the notice.
  assert.equal(await page.getByText(/tries left/).count(), 1);

  await input.fill(reverseCode!);
  await page.getByRole('button', { name: 'Verify code' }).click();
  await page.getByTestId('account-email').filter({ hasText: email }).waitFor();
});

test('server down at launch: the server is named, attempts are counted and retried by themselves, the place is kept', async ({
  world,
  launchDesktop,
  onTestFinished,
}) => {
  const { email, phone } = await world.newAccount();
  const gate = await startTcpGate({ host: '127.0.0.1', port: world.server.port }, false);
  onTestFinished(() => gate.close());
  const desktop = await launchDesktop({ serverUrl: gate.url });
  const { page } = desktop;

  const retry = page.getByTestId('server-retry');
  await retry.waitFor();
  assert.match(
    await retry.innerText(),
    new RegExp(`Can’t reach the exchange at ${new URL(gate.url).host}`),
    'the server is named',
  );
  assert.equal(
    await page.getByTestId('login-qr').locator('img').count(),
    0,
    'no QR without a server',
  );
  // Without anyone pressing anything, the next attempts run and are counted.
  await retry.getByText(/Tried 2 times\. Trying again in \d+ s\./).waitFor({ timeout: 15_000 });
  // "Try again now" skips the wait; still down, so it counts one more.
  await retry.getByRole('button', { name: 'Try again now' }).click();
  await retry.getByText(/Tried 3 times\./).waitFor({ timeout: 15_000 });
  // The side column says what is going on instead of explaining the camera.
  assert.match(await page.getByTestId('login-guide').innerText(), /tries again by itself/);

  gate.open();
  await retry.getByRole('button', { name: 'Try again now' }).click();
  const link = await readQr(page);
  await phone.approvePairing(link);
  await page.getByTestId('account-email').filter({ hasText: email }).waitFor();
});

/** Every file under dir (recursively) that contains one of the needles, as UTF-8 or UTF-16. */
function filesContaining(dir: string, needles: string[]): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile()) {
        let buf: Buffer;
        try {
          buf = fs.readFileSync(p);
        } catch {
          continue; // a socket or a file Chromium holds exclusively
        }
        for (const n of needles) {
          if (buf.includes(Buffer.from(n, 'utf8')) || buf.includes(Buffer.from(n, 'utf16le'))) {
            hits.push(`${path.relative(dir, p)} contains ${n.slice(0, 6)}…`);
          }
        }
      }
    }
  };
  walk(dir);
  return hits;
}

test('after a full sign-in no token or secret is in the renderer or the data directory', async ({
  world,
  launchDesktop,
  onTestFinished,
}) => {
  const { email, phone } = await world.newAccount();
  const { vault, service } = world.newVault();
  // The gate lets the test see, on the wire, the tokens the server handed the desktop.
  const gate = await startTcpGate({ host: '127.0.0.1', port: world.server.port });
  onTestFinished(() => gate.close());
  // Our own data directory, so it is still there to scan after the app closed.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-e2e-data-'));
  onTestFinished(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const desktop = await launchDesktop({
    serverUrl: gate.url,
    vault,
    vaultService: service,
    dataDir,
  });
  const { page } = desktop;

  // Record every event the renderer is sent from now on.
  await page.evaluate(`(() => {
    window.__seen = [];
    window.keybridge.onQrState((v) => window.__seen.push(v));
    window.keybridge.onSessionChanged((v) => window.__seen.push(v));
  })()`);
  const link = await readQr(page);
  await phone.approvePairing(link);
  await page.getByTestId('account-email').filter({ hasText: email }).waitFor();
  await page.getByRole('button', { name: 'Settings' }).click();
  await page.getByTestId('passkey-row').first().waitFor();

  const wire = gate.received();
  const tokens = [...wire.matchAll(/"(?:accessToken|refreshToken)":"([A-Za-z0-9_-]{20,})"/g)].map(
    (m) => m[1]!,
  );
  assert.ok(tokens.length >= 2, 'the desktop received an access and a refresh token');
  const account = await vault.getCurrentAccount();
  const stored = account && (await vault.getRefreshToken(account));
  assert.ok(
    stored && tokens.includes(stored),
    'the keychain holds the refresh token from the wire',
  );

  const parsed = await parseQrLink(link);
  const fragment = new URL(link).hash.slice(1);
  const secrets = [...new Set([...tokens, link, fragment, parsed.secret, parsed.pairingId])];
  assert.ok(secrets.every((s) => s && s.length >= 20));

  // Source text, not a function: tsx would add helpers (__name) that the page does not have.
  const visible: string = await page.evaluate(`(async () => {
    const kb = window.keybridge;
    const answers = await Promise.all([
      kb.getAppInfo(), kb.getSession(), kb.getKeychainStatus(), kb.getAccount(),
      kb.listPasskeys(), kb.listSessions(), kb.listActivity(),
    ]);
    const dump = (s) => Object.fromEntries(Array.from({ length: s.length }, (_, i) => [s.key(i), s.getItem(s.key(i))]));
    return JSON.stringify({
      dom: document.documentElement.outerHTML,
      localStorage: dump(localStorage),
      sessionStorage: dump(sessionStorage),
      cookie: document.cookie,
      answers,
      events: window.__seen,
    });
  })()`);
  assert.ok(visible.includes(email), 'the scan sees the renderer state (sanity)');
  for (const s of secrets) {
    assert.equal(
      visible.includes(s),
      false,
      `a secret (${s.slice(0, 4)}…) is visible to the renderer`,
    );
  }

  await desktop.close(); // flush the profile to disk before scanning it
  assert.ok(fs.readdirSync(dataDir).length > 0, 'the app wrote its profile there (sanity)');
  assert.deepEqual(filesContaining(dataDir, secrets), []);
  const logs = world.server.logs();
  for (const s of secrets) assert.equal(logs.includes(s), false, 'a secret is in the server log');
});
