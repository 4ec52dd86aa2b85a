// Browser build of the desktop renderer. The same bundle is loaded by Electron through the
// app:// protocol and, where no Electron binary exists, by Chromium in the test kit, so paths
// are relative (base './') and nothing here is Electron-specific.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { pinScriptHash } from './pin-script-hash.js';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * Pins the page's script to its exact bytes: the CSP meta's placeholder script-src 'none'
 * becomes script-src 'sha384-…' (rather than 'self') and the script tag carries the same
 * integrity. Only the bundle we built can run,
 * even if something else were ever served from the app's origin (csp-evaluator, which
 * Electronegativity runs, rightly flags plain 'self' for that reason).
 */
export default defineConfig({
  root: here,
  base: './',
  // Vite 8 transforms TSX with its built-in oxc; React 19 uses the automatic runtime.
  oxc: { jsx: { runtime: 'automatic' } },
  plugins: [pinScriptHash()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // No inline module-preload polyfill: the CSP allows no inline script.
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
});
