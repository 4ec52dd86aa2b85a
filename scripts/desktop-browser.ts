// `npm run desktop:browser`: the desktop UI in a Chromium window, for machines without an
// Electron binary. The same built renderer, backed by the real main-process code (handler
// map, API client, QR login, session manager, OS keychain) running in this Node process —
// the browser harness of test/support/desktop.ts, as a dev tool.
//
// Server: --server <url>, KEYBRIDGE_SERVER_URL, or http://127.0.0.1:8787 (`npm start`/`npm run
// server` default). Chromium: /usr/bin/chromium, or CHROMIUM_PATH. Needs a display.
import { serverUrlFrom } from '../electron/app-core';
import { launchDesktop } from '../test/support/desktop';

const serverUrl = serverUrlFrom(process.argv.slice(2), process.env);
if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  console.error('desktop:browser needs a display (set DISPLAY, or run it under xvfb-run).');
  process.exit(1);
}
const desktop = await launchDesktop({ serverUrl, mode: 'browser', headed: true });
console.log(
  `Keybridge (browser mode) talking to ${serverUrl}. Close the window or press Ctrl-C to stop.`,
);
let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await desktop.close();
  process.exit(0);
};
desktop.page.once('close', () => void stop());
process.once('SIGINT', () => void stop());
process.once('SIGTERM', () => void stop());
