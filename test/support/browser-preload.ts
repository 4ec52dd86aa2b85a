/**
 * The browser harness's preload (test/support/desktop.ts, 'browser' mode): where no Electron binary exists, the
 * built renderer runs in Chromium and this module plays preload.ts + ipc-main.ts.
 *
 * It builds the REAL main-process core in this Node process (electron/app-core.ts: API client,
 * QR login, session manager, keychain vault, handler map) and gives the page `window.keybridge`
 * with exactly the contract's methods and subscriptions:
 * - methods travel over one Playwright binding (page.exposeBinding) into the same `dispatch`
 *   ipc-main uses (zod parse, handler, safe error shape);
 * - the binding first runs the sender check's twin: only the page's top frame on the renderer's
 *   own origin is answered (isTrustedSender, with the harness origin in place of app://keybridge);
 * - events are pushed with page.evaluate into the page, like webContents.send.
 *
 * Tokens stay here in Node, exactly as they stay in Electron's main process.
 */
import type { Frame, Page } from 'playwright-core';
import { createAppCore, type AppCore } from '../../electron/app-core';
import {
  API_GLOBAL,
  ApiEvents,
  ApiMethods,
  type EventChannel,
  type IpcResult,
} from '../../electron/ipc/contract';
import { dispatch, isInvokeChannel } from '../../electron/ipc/dispatch';
import { FORBIDDEN_RESULT } from '../../electron/ipc/errors';
import { isTrustedSender, originOf } from '../../electron/ipc/sender';
import { createKeytarVault, type TokenVault } from '../../electron/services/token-vault';
import packageJson from '../../package.json' with { type: 'json' };

/** The app's own version, as Electron reports it for the app folder (package.json). */
const APP_VERSION = packageJson.version;

export type BrowserBridgeOptions = {
  /** where the main-process core reaches the server, e.g. http://127.0.0.1:<port> */
  serverUrl: string;
  /** origin the renderer is served from (the harness's app:// twin); calls from elsewhere are refused */
  rendererOrigin: string;
  /** default: the real OS keychain through keytar (under vaultService when given) */
  vault?: TokenVault;
  vaultService?: string;
  /** bind the core's outgoing connections (tests: '127.0.0.2' = another network) */
  localAddress?: string;
  /** the app's data directory (the harness's twin of Electron's userData) */
  dataDir?: string;
  /** stop offering QR codes after this long (the app's default is 5 minutes) */
  qrMaxWaitMs?: number;
  log: (line: string) => void;
};

export type BrowserBridge = {
  core: AppCore;
  /** what "Copy link" put on the harness clipboard (Electron writes the OS clipboard) */
  clipboard(): string | null;
  /** every URL the app asked the system browser to open (the harness opens none) */
  opened(): string[];
  close(): void;
};

const INVOKE_BINDING = '__keybridgeInvoke';
const EMIT_HOOK = '__keybridgeEmit';
/** The harness's stand-in for a webContents id: one page, one id. */
const HARNESS_SENDER_ID = 1;

export async function attachBrowserBridge(
  page: Page,
  opts: BrowserBridgeOptions,
): Promise<BrowserBridge> {
  let clipboard: string | null = null;
  const opened: string[] = [];
  const core = createAppCore({
    serverUrl: opts.serverUrl,
    vault: opts.vault ?? createKeytarVault(opts.vaultService ? { service: opts.vaultService } : {}),
    localAddress: opts.localAddress,
    qrMaxWaitMs: opts.qrMaxWaitMs,
    dataDir: opts.dataDir,
    clipboard: { writeText: async (text) => void (clipboard = text) },
    openInBrowser: async (url) => {
      opened.push(url);
      opts.log(`browser harness: would open ${new URL(url).origin} in the system browser`);
    },
    app: { version: APP_VERSION, mode: 'browser', platform: process.platform },
    emit: (channel: EventChannel, payload: unknown) => {
      // Like webContents.send: delivered when the renderer is there, dropped when it is not.
      page
        .evaluate(
          ([hook, c, p]) =>
            (window as unknown as Record<string, ((c: string, p: unknown) => void) | undefined>)[
              hook
            ]?.(c, p),
          [EMIT_HOOK, channel, payload] as const,
        )
        .catch(() => undefined);
    },
    logError: (what, error) =>
      opts.log(
        `browser harness: unexpected error in ${what}: ${(error as Error)?.name ?? 'Error'}`,
      ),
  });

  const trustedPages = new Set([HARNESS_SENDER_ID]);
  const isOwnFrame = (frame: Frame) =>
    isTrustedSender(
      {
        frameUrl: frame.url(),
        webContentsId: HARNESS_SENDER_ID,
        topFrame: frame === page.mainFrame(),
      },
      trustedPages,
      originOf(opts.rendererOrigin) ?? '',
    );

  await page.exposeBinding(
    INVOKE_BINDING,
    async ({ frame }, channel: unknown, args: unknown): Promise<IpcResult<unknown>> => {
      if (!isOwnFrame(frame)) return FORBIDDEN_RESULT;
      if (!isInvokeChannel(channel)) {
        return { ok: false, error: { code: 'invalid_arguments', message: 'Unknown method.' } };
      }
      return dispatch(core.handlers, channel, args === undefined ? [] : [args], {
        senderId: HARNESS_SENDER_ID,
      });
    },
  );

  // Runs in the page before any of its scripts, like a preload: the same named methods and
  // subscriptions as electron/preload.ts, built from the same contract tables. Given as source
  // text, not a function: tsx's transform would add helpers (__name) the page does not have.
  await page.addInitScript({ content: initScript() });

  return {
    core,
    clipboard: () => clipboard,
    opened: () => [...opened],
    close: () => core.close(),
  };
}

function initScript(): string {
  const tables = JSON.stringify({
    methods: ApiMethods,
    events: ApiEvents,
    invoke: INVOKE_BINDING,
    emit: EMIT_HOOK,
    globalName: API_GLOBAL,
  });
  return `(() => {
  const { methods, events, invoke, emit, globalName } = ${tables};
  const call = window[invoke];
  const listeners = new Map();
  const api = {};
  for (const [name, channel] of Object.entries(methods)) {
    api[name] = (args) => call(channel, args);
  }
  for (const [name, channel] of Object.entries(events)) {
    api[name] = (listener) => {
      if (typeof listener !== 'function') throw new TypeError('listener must be a function');
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(listener);
      return () => void set.delete(listener);
    };
  }
  Object.defineProperty(window, emit, {
    value: (channel, payload) => {
      for (const l of listeners.get(channel) ?? []) l(payload);
    },
  });
  Object.defineProperty(window, globalName, { value: Object.freeze(api), enumerable: true });
})();`;
}
