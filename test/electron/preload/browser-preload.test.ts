/**
 * The browser harness's preload (test/support/browser-preload.ts) in real Chromium: the page
 * gets exactly the contract's window.keybridge; calls from the renderer's own top frame are
 * answered by the real handler map; calls from a cross-origin iframe, a same-origin child
 * frame, or the page after it navigated to another origin are refused (the twin of ipc-main's
 * sender check); bad arguments come back as errors; events arrive through the subscriptions.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, test, type TestContext } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { apiKeys, type IpcResult } from '../../../electron/ipc/contract';
import { createMemoryVault } from '../../../electron/services/token-vault';
import { attachBrowserBridge, type BrowserBridge } from '../../support/browser-preload';
import { launchChromium } from '../../support/chromium';

let site: http.Server;
let port: number;
let browser: Browser;

beforeAll(async () => {
  // Stand-in pages: "/" plays the renderer and embeds a frame given by ?frame=<url>.
  site = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    const frame = url.searchParams.get('frame');
    res.end(
      url.pathname === '/'
        ? `<!doctype html><title>renderer</title>${frame ? `<iframe src="${frame}"></iframe>` : ''}`
        : '<!doctype html><title>child</title>',
    );
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  port = (site.address() as AddressInfo).port;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
});

async function openApp(t: Pick<TestContext, 'onTestFinished'>): Promise<{
  page: Page;
  bridge: BrowserBridge;
}> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const bridge = await attachBrowserBridge(page, {
    // Nothing here reaches the server: app:info, session restore with an empty vault.
    serverUrl: 'http://127.0.0.1:9',
    rendererOrigin: `http://127.0.0.1:${port}`,
    vault: createMemoryVault(),
    log: () => undefined,
  });
  t.onTestFinished(async () => {
    bridge.close();
    await context.close();
  });
  return { page, bridge };
}

const callAppInfo = () =>
  (window as unknown as { keybridge: { getAppInfo(): Promise<unknown> } }).keybridge.getAppInfo();

test('the renderer frame gets exactly the contract API and real answers', async (t) => {
  const { page } = await openApp(t);
  await page.goto(`http://127.0.0.1:${port}/`);
  const keys = await page.evaluate(() => Object.keys(window.keybridge).sort());
  assert.deepEqual(keys, apiKeys);
  assert.equal(await page.evaluate(() => Object.isFrozen(window.keybridge)), true);
  const info = (await page.evaluate(callAppInfo)) as IpcResult<{ mode: string }>;
  assert.equal(info.ok && info.value.mode, 'browser');

  const bad = (await page.evaluate(() =>
    window.keybridge.renamePasskey({ id: 'x', name: '' } as never),
  )) as IpcResult<unknown>;
  assert.equal(!bad.ok && bad.error.code, 'invalid_arguments');

  const unknown = (await page.evaluate(() =>
    (window as unknown as { __keybridgeInvoke(c: string): Promise<unknown> }).__keybridgeInvoke(
      'debug:dumpTokens',
    ),
  )) as IpcResult<unknown>;
  assert.equal(!unknown.ok && unknown.error.code, 'invalid_arguments');
});

test('events reach the renderer through its subscriptions', async (t) => {
  const { page } = await openApp(t);
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.evaluate(() => {
    const w = window as unknown as { seen: string[] };
    w.seen = [];
    window.keybridge.onSessionChanged((s) => w.seen.push(s.status));
  });
  await page.evaluate(() => window.keybridge.restoreSession());
  await page.waitForFunction(() =>
    (window as unknown as { seen: string[] }).seen.includes('signed-out'),
  );
  const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
  assert.deepEqual(seen, ['restoring', 'signed-out']);
});

test('child frames and other origins are refused (the sender check twin)', async (t) => {
  const { page } = await openApp(t);
  const crossOrigin = `http://localhost:${port}/child`;
  const sameOrigin = `http://127.0.0.1:${port}/child`;
  for (const child of [crossOrigin, sameOrigin]) {
    await page.goto(`http://127.0.0.1:${port}/?frame=${encodeURIComponent(child)}`);
    const frame = await (await page.waitForSelector('iframe')).contentFrame();
    assert.ok(frame);
    await frame.waitForLoadState();
    const result = (await frame.evaluate(callAppInfo)) as IpcResult<unknown>;
    assert.equal(!result.ok && result.error.code, 'forbidden_sender', child);
  }
  // The top frame itself, once it is on another origin.
  await page.goto(`http://localhost:${port}/`);
  const moved = (await page.evaluate(callAppInfo)) as IpcResult<unknown>;
  assert.equal(!moved.ok && moved.error.code, 'forbidden_sender');
  // And back home it works again: the check is per call, not a one-way latch.
  await page.goto(`http://127.0.0.1:${port}/`);
  const home = (await page.evaluate(callAppInfo)) as IpcResult<unknown>;
  assert.equal(home.ok, true);
});
