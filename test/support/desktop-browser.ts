/**
 * `npm run desktop:browser -- --server <url>`: the desktop app's renderer in a headed Chromium
 * window, backed by the real main-process handlers and the OS keychain (the same harness the
 * tests use). For machines where no Electron binary can be had.
 */
import { launchDesktop } from './desktop';
import { buildRenderer } from './renderer-static';
import { DEFAULT_SERVER_URL, serverUrlFrom } from '../../electron/app-core';

const serverUrl = serverUrlFrom(process.argv.slice(2), process.env) || DEFAULT_SERVER_URL;
const dark = process.argv.includes('--dark');

// Always from the current sources: this is a development tool.
await buildRenderer();
const desktop = await launchDesktop({
  serverUrl,
  mode: 'browser',
  headed: !process.argv.includes('--headless'),
  colorScheme: dark ? 'dark' : 'light',
});
console.log(
  `Keybridge (browser harness) talking to ${serverUrl}. Close the window or press Ctrl+C to quit.`,
);

let closing = false;
async function shutdown() {
  if (closing) return;
  closing = true;
  await desktop.close();
  process.exit(0);
}
desktop.page.on('close', () => void shutdown());
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
