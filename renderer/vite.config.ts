// Browser build of the desktop renderer. The same bundle is loaded by Electron through the
// app:// protocol and, where no Electron binary exists, by Chromium in the test kit, so paths
// are relative (base './') and nothing here is Electron-specific.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: './',
  // Vite 8 transforms TSX with its built-in oxc; React 19 uses the automatic runtime.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // No inline module-preload polyfill: the CSP allows scripts from 'self' only.
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
});
