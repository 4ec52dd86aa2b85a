/**
 * Builds the desktop's main-process core from its settings: API client, keychain vault,
 * session manager, QR flows, and the handler map on top. Shared by electron/main.ts and the
 * browser harness (test/support/browser-preload.ts), so both run the same code; only the
 * true boundaries (clipboard, system browser, how events reach the window) differ.
 */
import type { Agent } from 'node:http';
import path from 'node:path';
import { createApiClient, defaultDevice } from './services/api-client';
import { createQrLogin } from './services/qr-login';
import { createSessionManager } from './services/session';
import { createKeytarVault, type TokenVault } from './services/token-vault';
import type { AppInfo, EventSink } from './ipc/contract';
import { createHandlerMap, type ShellCore } from './ipc/handlers';
import { externalOriginsFor } from './window/external-links';

// The server URL rule is shared with the CLI (services/server-url.ts).
export { DEFAULT_SERVER_URL, serverUrlFrom } from './services/server-url';

export type AppCoreOptions = {
  serverUrl: string;
  emit: EventSink;
  /** Electron >= 44: clipboard.writeText returns a Promise; the copy is done when it settles */
  clipboard: { writeText(text: string): Promise<void> };
  openInBrowser: (url: string) => Promise<void>;
  app: Omit<AppInfo, 'serverUrl'>;
  /** the OS keychain by default */
  vault?: TokenVault;
  /** bind outgoing connections to this local address (tests: another "network") */
  localAddress?: string;
  /**
   * Connection agents for the server (system proxy / PAC and system CAs, see
   * services/network-agent.ts), made in main.ts from Electron's session.resolveProxy: one for
   * the API client, one for the relay socket (closing the API client destroys its agent).
   */
  agents?: { api: Agent; socket: Agent };
  logError?: (what: string, error: unknown) => void;
  /** The app's data directory (Electron's userData): the checklist's review is kept there. */
  dataDir?: string;
  /** Stop offering new QR codes after this long (qr-login's maxWaitMs; tests shorten it). */
  qrMaxWaitMs?: number;
};

export type AppCore = ShellCore & { close(): void };

export function createAppCore(options: AppCoreOptions): AppCore {
  const api = createApiClient({
    serverUrl: options.serverUrl,
    localAddress: options.localAddress,
    agents: options.agents,
  });
  const vault = options.vault ?? createKeytarVault();
  const session = createSessionManager({ api, vault, pushEvents: true });
  const device = defaultDevice();
  const core = createHandlerMap({
    api,
    vault,
    session,
    qrLogins: ({ purpose }) =>
      createQrLogin({
        serverUrl: options.serverUrl,
        api,
        session,
        device,
        purpose,
        localAddress: options.localAddress,
        ...(options.qrMaxWaitMs ? { maxWaitMs: options.qrMaxWaitMs } : {}),
      }),
    clipboard: options.clipboard,
    openInBrowser: options.openInBrowser,
    externalOrigins: externalOriginsFor(options.serverUrl),
    device,
    app: options.app,
    emit: options.emit,
    logError: options.logError,
    ...(options.dataDir ? { reviewFile: path.join(options.dataDir, 'session-review.json') } : {}),
  });
  return {
    ...core,
    close() {
      core.dispose();
      session.dispose();
      api.close();
      options.agents?.socket.destroy();
    },
  };
}
