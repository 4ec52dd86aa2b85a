/**
 * The built renderer under the app:// protocol's own headers: dist/renderer served through
 * serveAppRequest (the function Electron's protocol.handle calls), with its CSP header, in
 * real Chromium with the harness preload. The UI must start and nothing may be refused by the
 * policy — so the stricter header CSP of the real app cannot break a UI that only the
 * harness's policy was tested with.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { createMemoryVault } from '../../../electron/services/token-vault';
import { RENDERER_CSP } from '../../../electron/window/csp';
import { serveAppRequest } from '../../../electron/window/app-protocol';
import { attachBrowserBridge } from '../../support/browser-preload';
import { launchChromium } from '../../support/chromium';
import { ensureRendererBuilt, RENDERER_DIST } from '../../support/renderer-static';

let site: http.Server;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  await ensureRendererBuilt();
  // http://127.0.0.1:<port>/x is answered exactly as app://keybridge/x would be.
  site = http.createServer((req, res) => {
    void serveAppRequest(`app://keybridge${req.url ?? '/'}`, RENDERER_DIST).then(async (r) => {
      res.writeHead(r.status, Object.fromEntries(r.headers));
      res.end(Buffer.from(await r.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (site ? site.close(() => resolve()) : resolve()));
});

test('the renderer starts under the app:// CSP with nothing refused', async (t) => {
  const context = await browser.newContext();
  t.onTestFinished(() => context.close());
  const page = await context.newPage();
  const refused: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
  });
  page.on('pageerror', (e) => refused.push(`page error: ${e.message}`));
  const bridge = await attachBrowserBridge(page, {
    serverUrl: 'http://127.0.0.1:9', // unreachable on purpose: the UI shows its offline state
    rendererOrigin: origin,
    vault: createMemoryVault(),
    log: () => undefined,
  });
  t.onTestFinished(() => bridge.close());
  await bridge.core.start();

  const response = await page.goto(`${origin}/`);
  assert.equal(response?.headers()['content-security-policy'], RENDERER_CSP);
  // The React app mounted and drew the sign-in screen.
  await page.waitForFunction(() => (document.getElementById('root')?.childElementCount ?? 0) > 0);
  await page.getByRole('heading').first().waitFor();
  // Let the first QR attempt fail against the unreachable server: its error UI renders too.
  await page.waitForFunction(() => document.body.innerText.length > 40);
  assert.deepEqual(refused, []);
});
