// `npm start`: the embedded server (SQLite, exactly `npm run server`) and the desktop app.
//
// 1. Builds what is missing (phone + renderer bundles; the Electron app when it will launch) and
//    always the server (out/server/main.js, under a second), so an edit is never run stale.
// 2. Starts the compiled server as a child process and waits for its "listening on <url>" line.
// 3. Launches Electron against that server when a binary exists (ELECTRON_OVERRIDE_DIST_PATH,
//    KEYBRIDGE_ELECTRON_PATH, or an installed node_modules/electron/dist) and a display is
//    there. Where not, the server keeps running and one plain paragraph says why no window
//    opened and what to run instead.
// Ctrl-C (or closing the app) stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildServer, serverEntry } from './build-server.mjs';

const root = path.resolve(import.meta.dirname, '..');
const at = (...p) => path.join(root, ...p);
const children = new Set();
let stopping = false;

function stopAll(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  }
  // Give the server its graceful close (it ends on SIGTERM); then leave.
  const wait = [...children].map(
    (c) =>
      new Promise((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) return resolve();
        c.once('exit', resolve);
      }),
  );
  const force = setTimeout(() => process.exit(code), 5_000);
  force.unref();
  void Promise.all(wait).then(() => process.exit(code));
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

function run(cmd, args, what) {
  console.log(`[start] ${what}…`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[start] ${what} failed (exit ${r.status ?? r.signal}).`);
    process.exit(1);
  }
}

/** The Electron executable, or the reason there is none. */
function findElectron() {
  const explicit = process.env.KEYBRIDGE_ELECTRON_PATH;
  if (explicit) {
    return existsSync(explicit)
      ? { binary: explicit }
      : { reason: `KEYBRIDGE_ELECTRON_PATH points at ${explicit}, which does not exist` };
  }
  const pathTxt = at('node_modules', 'electron', 'path.txt');
  const defaultName =
    process.platform === 'win32'
      ? 'electron.exe'
      : process.platform === 'darwin'
        ? 'Electron.app/Contents/MacOS/Electron'
        : 'electron';
  const name = existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8').trim() : defaultName;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const dist = override || at('node_modules', 'electron', 'dist');
  const candidate = path.join(dist, name);
  if (existsSync(candidate)) return { binary: candidate };
  return {
    reason: override
      ? `ELECTRON_OVERRIDE_DIST_PATH is set, but ${candidate} does not exist`
      : 'the electron npm package has no binary here (since Electron 42 it downloads one on first ' +
        'use, and this machine cannot reach the download)',
  };
}

function hasDisplay() {
  if (process.platform !== 'linux') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

function startServer() {
  return new Promise((resolve, reject) => {
    const server = spawn(process.execPath, [serverEntry], {
      cwd: root,
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.add(server);
    let seen = '';
    server.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      if (seen === null) return;
      seen += chunk.toString('utf8');
      const m = /listening on (\S+)/.exec(seen);
      if (m) {
        seen = null;
        resolve({ server, url: m[1] });
      }
    });
    server.once('exit', (code, signal) => {
      children.delete(server);
      if (seen !== null)
        reject(new Error(`the server exited before listening (${code ?? signal})`));
      else if (!stopping) {
        console.error(`[start] the server stopped (${code ?? signal}).`);
        stopAll(code ?? 1);
      }
    });
  });
}

// ---------------------------------------------------------------- 1. build what is missing
if (
  !existsSync(at('dist', 'phone', 'index.html')) ||
  !existsSync(at('dist', 'renderer', 'index.html'))
) {
  // scripts/build.mjs builds the server too.
  run(
    process.execPath,
    [at('scripts', 'build.mjs')],
    'building the server, phone app and renderer',
  );
} else {
  console.log('[start] building the server…');
  await buildServer();
}
const electron = findElectron();
const display = hasDisplay();
if (electron.binary && display && !existsSync(at('out', 'main', 'main.js'))) {
  run(
    process.execPath,
    [at('node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    'building the desktop app',
  );
}

// ---------------------------------------------------------------- 2. the server
let serverUrl;
try {
  ({ url: serverUrl } = await startServer());
} catch (e) {
  console.error(`[start] ${e.message}`);
  stopAll(1);
}
if (serverUrl) {
  console.log(`[start] server: ${serverUrl}`);

  // -------------------------------------------------------------- 3. the desktop app
  if (electron.binary && display) {
    // The app folder, not out/main/main.js: Electron then reads package.json (name, version,
    // `main`), so the app is not "Electron" with Electron's version and ~/.config/Electron.
    const args = [root, `--server=${serverUrl}`];
    // Chromium's sandbox refuses to run as root on Linux (containers, CI).
    if (process.platform === 'linux' && process.getuid?.() === 0) args.push('--no-sandbox');
    console.log(`[start] opening Keybridge (${electron.binary})`);
    const app = spawn(electron.binary, args, { cwd: root, stdio: 'inherit', env: process.env });
    children.add(app);
    app.once('exit', (code) => {
      children.delete(app);
      if (!stopping) {
        console.log('[start] the app closed; stopping the server.');
        stopAll(code ?? 0);
      }
    });
    app.once('error', (e) => {
      console.error(`[start] could not start Electron: ${e.message}`);
      stopAll(1);
    });
  } else {
    const why = electron.binary
      ? `an Electron binary exists (${electron.binary}) but there is no display to show a window on (set DISPLAY, or run under xvfb-run)`
      : electron.reason;
    console.log(
      `\nNo desktop window opened: ${why}. The Keybridge server is running at ${serverUrl} ` +
        `(phone web app at its /m/ page), so you can still sign in: from a terminal with ` +
        `\`npx keybridge login --server ${serverUrl}\`, or in a Chromium window running the same ` +
        `desktop UI against the real main-process code with \`npm run desktop:browser\` ` +
        `(KEYBRIDGE_SERVER_URL=${serverUrl}). To get the real app, point ELECTRON_OVERRIDE_DIST_PATH at ` +
        `an unpacked Electron ${readElectronVersion()} directory, or run \`npx install-electron\` on a ` +
        `machine with network. Press Ctrl-C to stop the server.\n`,
    );
  }
}

function readElectronVersion() {
  try {
    return JSON.parse(readFileSync(at('node_modules', 'electron', 'package.json'), 'utf8')).version;
  } catch {
    return '';
  }
}
