// electron-vite: main, preload and renderer in one config.
// Output: out/main/main.js (ESM), out/preload/preload.cjs (CommonJS: sandboxed preloads cannot
// load ESM), out/renderer/ (the React UI, same sources as renderer/vite.config.ts,
// which builds dist/renderer for the Chromium harness).
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { pinScriptHash } from './renderer/pin-script-hash.js';

const root = import.meta.dirname;

export default defineConfig({
  main: {
    build: {
      outDir: resolve(root, 'out/main'),
      // Everything main loads is bundled, so the package needs no node_modules but keytar
      // (native: loaded at run time with createRequire, see services/token-vault.ts).
      // electron-builder.yml `files` packs exactly that; test/renderer/package-contents.test.ts
      // checks both. ws's optional native speed-ups stay out (ws works without them).
      externalizeDeps: false,
      rollupOptions: {
        input: { main: resolve(root, 'electron/main.ts') },
        external: ['electron', 'keytar', 'bufferutil', 'utf-8-validate'],
        output: { format: 'es', entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: resolve(root, 'out/preload'),
      // A sandboxed preload can require only 'electron': everything else is bundled in.
      externalizeDeps: false,
      isolatedEntries: true,
      rollupOptions: {
        input: { preload: resolve(root, 'electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    base: './',
    oxc: { jsx: { runtime: 'automatic' } },
    // The page's CSP allows only the bundle's exact sha384 (renderer/pin-script-hash.ts, both builds).
    plugins: [pinScriptHash()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      // No inline module-preload polyfill: the CSP allows scripts from 'self' only.
      modulePreload: { polyfill: false },
      rollupOptions: { input: { index: resolve(root, 'renderer/index.html') } },
    },
  },
});
