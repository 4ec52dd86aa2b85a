/**
 * `npm run desktop:browser -- --server <url>`: the desktop app's renderer in a headed Chromium
 * window, backed by the real main-process handlers and the OS keychain (the same harness the
 * tests use). For machines where no Electron binary can be had.
 */
import { launchDesktop } from './desktop';
import { buildRenderer } from './renderer-static';
import { serverUrlFrom } from '../../electron/app-core';
import { ServerUrlError } from '../../electron/services/server-url';

const headed = !process.argv.includes('--headless');
const dark = process.argv.includes('--dark');

/** One plain line and an exit code, before anything is built or launched. */
function refuse(message: string, exitCode: number): never {
  console.error(`desktop:browser: ${message}`);
  process.exit(exitCode);
}

// A headed Chromium with nowhere to draw dies with a long Playwright error; say what to do instead.
if (headed && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  refuse('no display: run it under xvfb-run, or pass --headless', 1);
}

let serverUrl: string;
try {
  serverUrl = serverUrlFrom(process.argv.slice(2), process.env);
} catch (error) {
  if (!(error instanceof ServerUrlError)) throw error;
  refuse(error.message, 2);
}

// Always from the current sources: this is a development tool.
await buildRenderer();
const desktop = await launchDesktop({
  serverUrl,
  mode: 'browser',
  headed,
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
