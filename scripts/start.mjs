// `npm start`: the embedded server (SQLite, exactly `npm run server`) and the desktop app.
//
// 1. Builds what is missing (phone + renderer bundles; the Electron app when it will launch) and
//    always the server (out/server/main.js, under a second), so an edit is never run stale.
// 2. Starts the compiled server as a child process and waits for its "listening on <url>" line.
// 3. Launches Electron against that server when a binary exists (ELECTRON_OVERRIDE_DIST_PATH,
//    KEYBRIDGE_ELECTRON_PATH, or an installed node_modules/electron/dist) and a display is
//    there. With a display but no binary it first fetches one with the electron package's own
//    installer (its install.js, `npx install-electron`), after a quick check that the download
//    host answers, so a machine without network hears why within seconds instead of waiting
//    on a download. Where there is still no binary, the server keeps running and one plain
//    paragraph says why no window opened and what to run instead.
// Ctrl-C (or closing the app) stops everything.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { buildServer, serverEntry } from './build-server.mjs';

const root = path.resolve(import.meta.dirname, '..');
const at = (...p) => path.join(root, ...p);
// The electron npm package (its installer, path.txt and dist/). Overridable only so that
// test/electron/main/start.test.ts can install into a copy instead of the shared node_modules.
const electronPackage =
  process.env.KEYBRIDGE_ELECTRON_PACKAGE_DIR || at('node_modules', 'electron');
// How long the download host may take to accept a connection before we say it can't be reached.
const REACH_TIMEOUT_MS = 4_000;
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
  const pathTxt = path.join(electronPackage, 'path.txt');
  const defaultName =
    process.platform === 'win32'
      ? 'electron.exe'
      : process.platform === 'darwin'
        ? 'Electron.app/Contents/MacOS/Electron'
        : 'electron';
  const name = existsSync(pathTxt) ? readFileSync(pathTxt, 'utf8').trim() : defaultName;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const dist = override || path.join(electronPackage, 'dist');
  const candidate = path.join(dist, name);
  if (existsSync(candidate)) return { binary: candidate };
  return {
    reason: override
      ? `ELECTRON_OVERRIDE_DIST_PATH is set, but ${candidate} does not exist`
      : 'the electron npm package has no binary here (since Electron 42 it downloads one on first ' +
        'use)',
    canFetch: !override,
  };
}

/** Resolves when host:port accepts a TCP connection, rejects with the reason otherwise. */
function reach(host, port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const fail = (reason) => {
      socket.destroy();
      reject(new Error(reason));
    };
    socket.setTimeout(REACH_TIMEOUT_MS, () => fail(`no answer in ${REACH_TIMEOUT_MS / 1000} s`));
    socket.once('error', (e) => fail(e.code ?? e.message));
    socket.once('connect', () => {
      socket.end();
      resolve();
    });
  });
}

/**
 * Downloads the Electron binary with the electron package's own installer. Returns
 * findElectron()'s answer afterwards, or the reason the download could not happen.
 */
async function fetchElectron() {
  const version = readElectronVersion();
  // The installer (@electron/get) reads ELECTRON_MIRROR, default GitHub's release downloads.
  const source = new URL(process.env.ELECTRON_MIRROR || 'https://github.com/');
  const port = Number(source.port) || (source.protocol === 'http:' ? 80 : 443);
  try {
    await reach(source.hostname, port);
  } catch (e) {
    return {
      reason:
        `the electron npm package has no binary here, and its installer cannot reach ` +
        `${source.host} to download Electron ${version} (${e.message})`,
    };
  }
  console.log(
    `[start] downloading Electron ${version} from ${source.host} with the electron package's ` +
      `installer (npx install-electron; about 100 MB, once)…`,
  );
  const r = spawnSync(process.execPath, [path.join(electronPackage, 'install.js')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (r.status !== 0)
    return {
      reason: `the electron package's installer could not download Electron ${version} (exit ${r.status ?? r.signal}; its message is above)`,
    };
  return findElectron();
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
const display = hasDisplay();
let electron = findElectron();
// No point downloading a window toolkit when there is nowhere to show the window.
if (!electron.binary && electron.canFetch && display) electron = await fetchElectron();
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
    const noDisplay =
      'there is no display to show a window on (set DISPLAY, or run under xvfb-run)';
    const why = electron.binary
      ? `an Electron binary exists (${electron.binary}) but ${noDisplay}`
      : display
        ? electron.reason
        : `${electron.reason}, and ${noDisplay}`;
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
    return JSON.parse(readFileSync(path.join(electronPackage, 'package.json'), 'utf8')).version;
  } catch {
    return '';
  }
}
