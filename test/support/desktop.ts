/**
 * launchDesktop(): the Keybridge desktop app under Playwright, for testers.
 *
 * - 'electron' mode: the real app through Playwright's `_electron`, wherever an Electron binary
 *   exists (ELECTRON_OVERRIDE_DIST_PATH, KEYBRIDGE_ELECTRON_PATH, or an installed
 *   node_modules/electron/dist). Needs the built app (out/main/main.js) and a display (xvfb-run).
 * - 'browser' mode, everywhere else: the built renderer (dist/renderer) in
 *   Chromium, served from 127.0.0.1 with the app's CSP, and `window.keybridge` supplied by
 *   the browser bridge (test/support/browser-preload.ts, exposeBinding) over the REAL main-process handler map, built from
 *   the real services (API client, QR login, session manager) and the real keychain vault.
 *
 * Either way the caller gets `{ page, close, mode }` and drives the UI a person would see.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, _electron, type BrowserContext, type Page } from 'playwright-core';
import type { TokenVault } from '../../electron/services/token-vault';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { REPO_ROOT, ensureRendererBuilt, serveRenderer } from './renderer-static';
import { attachBrowserBridge, type BrowserBridge } from './browser-preload';

export type LaunchDesktopOptions = {
  /** Where the app reaches the server, e.g. startTestServer().url (http://127.0.0.1:<port>). */
  serverUrl: string;
  /**
   * The keychain the main process keeps the refresh token in (browser mode). Default: the real
   * OS keychain through keytar, under `vaultService` (or the app's own service name). Pass the
   * same vault to a second launch to test a restart.
   */
  vault?: TokenVault;
  /** keytar service name for the default vault, so tests do not share keychain entries. */
  vaultService?: string;
  /**
   * The app's data directory: Electron's userData, or the browser-mode profile (where the
   * renderer's storage lives). Default: a fresh temp dir, removed on close.
   */
  dataDir?: string;
  /** Bind the app's outgoing connections to this address ('127.0.0.2' = "another network"). */
  localAddress?: string;
  /** browser mode: stop offering QR codes after this long (the app's default: 5 minutes) */
  qrMaxWaitMs?: number;
  colorScheme?: 'light' | 'dark';
  /**
   * The OS language the app sees ('zh-CN'): Playwright's locale (navigator.languages) in
   * browser mode, KEYBRIDGE_LOCALE in electron mode. Default: English.
   */
  locale?: string;
  /** Show the window (dev tool); tests run headless. */
  headed?: boolean;
  /** 'auto' (default) picks electron when a binary exists; force one for a specific spec. */
  mode?: 'auto' | 'electron' | 'browser';
  /** Where the mode line and unexpected main-process errors go; default console.log. */
  log?: (line: string) => void;
};

export type Desktop = {
  page: Page;
  /** browser mode only: what the app's "Copy link" put on the clipboard */
  clipboard?: () => string | null;
  mode: 'electron' | 'browser';
  dataDir: string;
  close(): Promise<void>;
};

/** The Electron executable to use, or null when this machine has none (it cannot download one). */
export function findElectronBinary(): string | null {
  const explicit = process.env.KEYBRIDGE_ELECTRON_PATH;
  if (explicit && fs.existsSync(explicit)) return explicit;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const dist = override ?? path.join(REPO_ROOT, 'node_modules', 'electron', 'dist');
  const pathTxt = path.join(REPO_ROOT, 'node_modules', 'electron', 'path.txt');
  const name = fs.existsSync(pathTxt)
    ? fs.readFileSync(pathTxt, 'utf8').trim()
    : process.platform === 'win32'
      ? 'electron.exe'
      : process.platform === 'darwin'
        ? 'Electron.app/Contents/MacOS/Electron'
        : 'electron';
  const candidate = path.join(dist, name);
  return fs.existsSync(candidate) ? candidate : null;
}

export async function launchDesktop(opts: LaunchDesktopOptions): Promise<Desktop> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const binary = opts.mode === 'browser' ? null : findElectronBinary();
  if (opts.mode === 'electron' && !binary) {
    throw new Error('launchDesktop: mode electron asked, but no Electron binary exists here');
  }
  const ownDataDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'keybridge-desktop-'));
  const cleanup = () => {
    if (ownDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    if (binary) return await launchElectron(binary, opts, dataDir, log, cleanup);
    return await launchBrowser(opts, dataDir, log, cleanup);
  } catch (e) {
    cleanup();
    throw e;
  }
}

async function launchElectron(
  binary: string,
  opts: LaunchDesktopOptions,
  dataDir: string,
  log: (line: string) => void,
  cleanup: () => void,
): Promise<Desktop> {
  const main = path.join(REPO_ROOT, 'out', 'main', 'main.js');
  if (!fs.existsSync(main)) throw new Error(`launchDesktop: build the app first (${main} missing)`);
  if (opts.vault)
    log('launchDesktop: electron mode uses the OS keychain; the vault option is ignored');
  const app = await _electron.launch({
    executablePath: binary,
    args: [main, `--server=${opts.serverUrl}`, `--user-data-dir=${dataDir}`, '--no-sandbox'],
    env: {
      ...(process.env as Record<string, string>),
      ...(opts.localAddress ? { KEYBRIDGE_LOCAL_ADDRESS: opts.localAddress } : {}),
      ...(opts.vaultService ? { KEYBRIDGE_VAULT_SERVICE: opts.vaultService } : {}),
      KEYBRIDGE_LOCALE: opts.locale ?? 'en',
    },
    colorScheme: opts.colorScheme ?? 'light',
  });
  const page = await app.firstWindow();
  log(`launchDesktop: mode=electron (${binary})`);
  return {
    page,
    mode: 'electron',
    dataDir,
    async close() {
      await app.close().catch(() => undefined);
      cleanup();
    },
  };
}

async function launchBrowser(
  opts: LaunchDesktopOptions,
  dataDir: string,
  log: (line: string) => void,
  cleanup: () => void,
): Promise<Desktop> {
  await ensureRendererBuilt();
  const site = await serveRenderer();
  let context: BrowserContext | null = null;
  let bridge: BrowserBridge | null = null;
  try {
    // A persistent profile in dataDir, so the renderer's storage (localStorage, IndexedDB,
    // cache) lands in the app's data directory where the secrets test can look for it.
    context = await chromium.launchPersistentContext(path.join(dataDir, 'renderer-profile'), {
      executablePath: CHROMIUM_PATH,
      headless: !opts.headed,
      args: CHROMIUM_ARGS,
      viewport: { width: 1100, height: 820 },
      colorScheme: opts.colorScheme ?? 'light',
      locale: opts.locale ?? 'en-US',
    });
    const page = context.pages()[0] ?? (await context.newPage());
    bridge = await attachBrowserBridge(page, {
      serverUrl: opts.serverUrl,
      rendererOrigin: new URL(site.url).origin,
      vault: opts.vault,
      vaultService: opts.vaultService,
      localAddress: opts.localAddress,
      qrMaxWaitMs: opts.qrMaxWaitMs,
      dataDir,
      log,
    });
    // Like Electron's main: look in the keychain first, so the window opens on the right screen.
    await bridge.core.start();
    await page.goto(site.url);
    log(
      `launchDesktop: mode=browser (Chromium ${CHROMIUM_PATH}, renderer ${site.url}, no Electron binary)`,
    );
    const ctx = context;
    const br = bridge;
    return {
      page,
      mode: 'browser',
      clipboard: br.clipboard,
      dataDir,
      async close() {
        await ctx.close().catch(() => undefined);
        await br.close();
        await site.close();
        cleanup();
      },
    };
  } catch (e) {
    await context?.close().catch(() => undefined);
    await bridge?.close();
    await site.close();
    throw e;
  }
}
