/**
 * The app's own name and version, whichever way Electron was started. Packaged, Electron reads
 * them from the app's package.json. Started as `electron out/main/main.js` (a file, not the app
 * folder), default_app finds no package.json: app.name stays "Electron", app.getVersion() is
 * Electron's, and userData (with the single-instance lock in it) is ~/.config/Electron, shared
 * with any other app started that way. This runs first thing in main.ts, before anything reads
 * the name or userData.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const APP_NAME = 'Keybridge';

export type AppIdentity = { name: string; version: string };

type AppLike = {
  name: string;
  setName(name: string): void;
  getVersion(): string;
  getPath(name: 'appData' | 'userData'): string;
  setPath(name: 'userData', value: string): void;
  commandLine: { hasSwitch(name: string): boolean };
};

const PACKAGE_NAME = 'keybridge';

/**
 * The version in our package.json above `fromDir`: out/main/../../package.json when built
 * (also inside app.asar, electron-builder.yml packs it), electron/../package.json from source.
 */
export function readPackageVersion(fromDir: string): string | null {
  let dir = fromDir;
  for (let i = 0; i < 4; i += 1) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === PACKAGE_NAME && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: one level up
    }
    dir = path.dirname(dir);
  }
  return null;
}

export function applyAppIdentity(
  app: AppLike,
  options: { mainDir: string; electronVersion: string | undefined },
): AppIdentity {
  // Electron names the app after our package.json (productName, else name) when it found it.
  const foundOurPackage = app.name === APP_NAME || app.name === PACKAGE_NAME;
  if (app.name !== APP_NAME) {
    app.setName(APP_NAME);
    // --user-data-dir (tests, a person's own choice) wins; otherwise our own folder.
    if (!app.commandLine.hasSwitch('user-data-dir')) {
      app.setPath('userData', path.join(app.getPath('appData'), APP_NAME));
    }
  }
  const reported = app.getVersion();
  // Without our package.json, app.getVersion() is Electron's own version.
  const version =
    foundOurPackage && reported !== options.electronVersion
      ? reported
      : (readPackageVersion(options.mainDir) ?? reported);
  return { name: APP_NAME, version };
}
