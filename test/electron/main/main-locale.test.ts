/**
 * KEYBRIDGE_LOCALE forces the language (electron/main.ts): Chromium gets --lang, so the
 * renderer's navigator.languages say it (renderer/src/i18n), and the main process's own words
 * (menu, dialogs) follow; a value that is not a language tag is not passed on.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'vitest';
import { useElectronStub } from '../fixtures/electron-stub';

const stub = useElectronStub();
process.env.KEYBRIDGE_VAULT_SERVICE = `com.keybridge.desktop.test-locale-${randomBytes(4).toString('hex')}`;
process.env.KEYBRIDGE_LOCALE = 'zh_CN';
await import('../../../electron/main');
const main = stub.main!;

test('KEYBRIDGE_LOCALE=zh_CN: --lang=zh-CN for the window, the menu in Chinese', async () => {
  assert.equal(main.switches.get('lang'), 'zh-CN');
  main.fireReady();
  await main.ready;
  // whenReady().then(...) runs on the next turn.
  await new Promise((r) => setImmediate(r));
  const labels = main.menu!.template.map((m) => m.label);
  assert.ok(labels.includes('编辑'), labels.join(', '));
  assert.ok(labels.includes('窗口'), labels.join(', '));
});
