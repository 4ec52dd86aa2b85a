/**
 * The testers' kit as Playwright Test fixtures: `import { test, expect } from './fixtures'`
 * and ask for what the spec needs.
 *
 *   server   one real Keybridge server per worker (SQLite in a temp dir, relay attached):
 *            startTestServer() from test/support/server.ts
 *   phone    a software phone with a new account and one passkey (its own browser context and
 *            Chromium's virtual authenticator): createPhone() from test/support/phone.ts
 *   desktop  the desktop app against `server`, with a keychain entry of its own: Electron where a
 *            binary exists, otherwise the built renderer in Chromium over the real main-process
 *            handlers (launchDesktop() from test/support/desktop.ts)
 *   account  the email and password `phone` signed up with
 *   secondPhone  another phone of the same person, signed in to `account`, with no passkey yet
 *            (where "add a passkey from the desktop" puts the new one)
 *
 * Everything a fixture starts it stops, and the desktop's keychain entry is deleted.
 * The browser is Playwright's own `browser` fixture: Debian's Chromium (playwright.config.ts).
 *
 * Passkeys stay on Chromium's CDP virtual authenticator (test/support/chromium.ts), not
 * Playwright's `context.credentials`: that one replaces navigator.credentials in page script and
 * has no user-verification or presence switch, which the phone kit needs for a cancelled
 * biometric check and for the sign-in page's pending autofill request.
 */
import { randomBytes } from 'node:crypto';
import { test as base, expect } from '@playwright/test';
import { createKeytarVault } from '../../electron/services/token-vault';
import { launchDesktop, type Desktop } from '../support/desktop';
import { createPhone, type Phone } from '../support/phone';
import { startTestServer, type TestServer } from '../support/server';

export const PASSWORD = 'correct horse battery staple';

type Account = { email: string; password: string };

type Fixtures = { account: Account; phone: Phone; secondPhone: Phone; desktop: Desktop };
type WorkerFixtures = { server: TestServer };

export const test = base.extend<Fixtures, WorkerFixtures>({
  server: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture's dependencies from this pattern
    async ({}, use) => {
      const server = await startTestServer();
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],

  // eslint-disable-next-line no-empty-pattern -- as above
  account: async ({}, use) => {
    await use({ email: `kit-${randomBytes(5).toString('hex')}@example.com`, password: PASSWORD });
  },

  phone: async ({ server, browser, account }, use) => {
    const phone = await createPhone({ phoneOrigin: server.phoneOrigin, browser });
    try {
      await phone.signUp(account.email, account.password);
      await phone.enrolPasskey(account.password);
      await use(phone);
    } finally {
      await phone.close();
    }
  },

  secondPhone: async ({ server, browser, account, phone: _accountExists }, use) => {
    const phone = await createPhone({ phoneOrigin: server.phoneOrigin, browser });
    try {
      await phone.signIn(account.email, account.password);
      await use(phone);
    } finally {
      await phone.close();
    }
  },

  desktop: async ({ server }, use) => {
    const service = `com.keybridge.kit.${randomBytes(6).toString('hex')}`;
    const vault = createKeytarVault({ service });
    const desktop = await launchDesktop({ serverUrl: server.url, vault, vaultService: service });
    try {
      await use(desktop);
    } finally {
      await desktop.close();
      // Leave no test session in a developer's real keychain.
      const signedIn = await vault.getCurrentAccount().catch(() => null);
      if (signedIn) await vault.deleteRefreshToken(signedIn).catch(() => false);
      await vault.setCurrentAccount(null).catch(() => undefined);
    }
  },
});

export { expect };
