/**
 * What each e2e file shares: one real server (SQLite in a temp dir, relay attached), one
 * Chromium for the software phones, and a helper to make an account whose passkey lives on a
 * phone. Everything is stopped by `close()`; desktops from `launchDesktop(t)` are closed when
 * their test ends. The e2e files get it as the file-scoped `world` fixture
 * (test/support/fixtures.ts); the renderer tests and the screenshots start one themselves.
 */
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'vitest';
import type { Browser } from 'playwright-core';
import { createKeytarVault, type TokenVault } from '../../electron/services/token-vault';
import { launchChromium } from './chromium';
import { launchDesktop, type Desktop, type LaunchDesktopOptions } from './desktop';
import { createPhone, type Phone } from './phone';
import { startTestServer, type TestServer, type TestServerOptions } from './server';

export const PASSWORD = 'correct horse battery staple';

export type World = {
  server: TestServer;
  browser: Browser;
  /** A phone (own browser context, own authenticator) with a new account and one passkey. */
  newAccount(): Promise<{ email: string; phone: Phone }>;
  /** The real keychain under a service name of this run only, so tests never share entries. */
  newVault(): { vault: TokenVault; service: string };
  /**
   * The desktop app against this world's server with a keychain entry of its own (newVault),
   * closed when test `t` ends. `options` override any of that, e.g. the same `vault` and
   * `vaultService` again to test a restart.
   */
  launchDesktop(
    t: Pick<TestContext, 'onTestFinished'>,
    options?: Partial<LaunchDesktopOptions>,
  ): Promise<Desktop>;
  close(): Promise<void>;
};

export async function startWorld(serverOptions: TestServerOptions = {}): Promise<World> {
  const server = await startTestServer(serverOptions);
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (e) {
    await server.close();
    throw e;
  }
  const phones: Phone[] = [];
  const vaults: TokenVault[] = [];
  function newVault() {
    const service = `com.keybridge.e2e.${randomBytes(6).toString('hex')}`;
    const vault = createKeytarVault({ service });
    vaults.push(vault);
    return { vault, service };
  }
  return {
    server,
    browser,
    async newAccount() {
      const email = `e2e-${randomBytes(5).toString('hex')}@example.com`;
      const phone = await createPhone({ phoneOrigin: server.phoneOrigin, browser });
      phones.push(phone);
      await phone.signUp(email, PASSWORD);
      await phone.enrolPasskey(PASSWORD);
      return { email, phone };
    },
    newVault,
    async launchDesktop(t, options = {}) {
      const own = options.vault ? null : newVault();
      const desktop = await launchDesktop({
        serverUrl: server.url,
        ...(own ? { vault: own.vault, vaultService: own.service } : {}),
        ...options,
      });
      t.onTestFinished(() => desktop.close());
      return desktop;
    },
    async close() {
      for (const p of phones) await p.close().catch(() => undefined);
      // Leave no test session in a developer's real keychain.
      for (const v of vaults) {
        const account = await v.getCurrentAccount().catch(() => null);
        if (!account) continue;
        await v.deleteRefreshToken(account).catch(() => false);
        await v.setCurrentAccount(null).catch(() => undefined);
      }
      await browser.close().catch(() => undefined);
      await server.close();
    },
  };
}
