/**
 * Browser-mode stand-in for Electron's preload + ipc-main: builds the REAL main-process core
 * (electron/app-core.ts: API client, QR login, session manager, keychain vault, handler map)
 * in this Node process and gives the page `window.keybridge` with exactly the contract's
 * methods and subscriptions, carried by Playwright's exposeBinding. Calls go through the same
 * dispatch (zod parse, safe errors) as in Electron; only calls from the page's own top frame
 * on the renderer's origin are answered, like ipc-main's sender check.
 *
 * (SHELL's test/support/browser-preload.ts is the shared version of this bridge; this file is
 * what launchDesktop uses, built on the same app-core so both run the same handlers.)
 */
import type { Page } from 'playwright-core';
import { createAppCore, type AppCore } from '../../electron/app-core';
import { ApiEvents, ApiMethods, type EventChannel } from '../../electron/ipc/contract';
import { dispatch, isInvokeChannel } from '../../electron/ipc/dispatch';
import { createKeytarVault, type TokenVault } from '../../electron/services/token-vault';

export type BrowserBridgeOptions = {
  serverUrl: string;
  /** origin the renderer is served from; calls from anywhere else are refused */
  rendererOrigin: string;
  vault?: TokenVault;
  vaultService?: string;
  localAddress?: string;
  log: (line: string) => void;
};

export type BrowserBridge = {
  core: AppCore;
  /** what "Copy link" put on the (harness) clipboard, for tests of "Can't scan?" */
  clipboard(): string | null;
  close(): void;
};

const INVOKE = '__keybridgeInvoke';
const EMIT = '__keybridgeEmit';

export async function attachBrowserBridge(
  page: Page,
  opts: BrowserBridgeOptions,
): Promise<BrowserBridge> {
  let clipboard: string | null = null;
  const core = createAppCore({
    serverUrl: opts.serverUrl,
    vault: opts.vault ?? createKeytarVault(opts.vaultService ? { service: opts.vaultService } : {}),
    localAddress: opts.localAddress,
    clipboard: { writeText: (text) => void (clipboard = text) },
    openInBrowser: async (url: string) =>
      opts.log(`launchDesktop: openExternal(${new URL(url).origin}) not followed in the harness`),
    app: { version: '0.1.0', mode: 'browser', platform: process.platform },
    emit: (channel: EventChannel, payload: unknown) => {
      // Like webContents.send: delivered to the renderer if it is there, dropped otherwise.
      page
        .evaluate(`window.${EMIT}?.(${JSON.stringify(channel)}, ${JSON.stringify(payload)})`)
        .catch(() => undefined);
    },
    logError: (what) => opts.log(`launchDesktop: unexpected error in ${what}`),
  });

  await page.exposeBinding(INVOKE, async (source, channel: unknown, args: unknown) => {
    const trusted =
      source.frame === page.mainFrame() &&
      new URL(source.frame.url()).origin === opts.rendererOrigin;
    if (!trusted)
      return { ok: false, error: { code: 'forbidden_sender', message: 'Not allowed.' } };
    if (!isInvokeChannel(channel)) {
      return { ok: false, error: { code: 'invalid_arguments', message: 'Unknown method.' } };
    }
    return dispatch(core.handlers, channel, args === undefined ? [] : [args], { senderId: 1 });
  });

  // Passed as source text, not a function: tsx (esbuild keepNames) would wrap a serialized
  // function in helpers that do not exist in the page.
  await page.addInitScript({
    content: `(() => {
      const methods = ${JSON.stringify(ApiMethods)};
      const events = ${JSON.stringify(ApiEvents)};
      const call = window[${JSON.stringify(INVOKE)}];
      const listeners = new Map();
      const api = {};
      for (const [name, channel] of Object.entries(methods)) {
        api[name] = (args) => call(channel, args);
      }
      for (const [name, channel] of Object.entries(events)) {
        api[name] = (listener) => {
          if (typeof listener !== 'function') throw new TypeError('listener must be a function');
          if (!listeners.has(channel)) listeners.set(channel, new Set());
          listeners.get(channel).add(listener);
          return () => void listeners.get(channel).delete(listener);
        };
      }
      Object.defineProperty(window, ${JSON.stringify(EMIT)}, {
        value: (channel, payload) => {
          for (const l of listeners.get(channel) ?? []) l(payload);
        },
      });
      Object.defineProperty(window, 'keybridge', { value: Object.freeze(api), enumerable: true });
    })();`,
  });

  return {
    core,
    clipboard: () => clipboard,
    close: () => core.close(),
  };
}
