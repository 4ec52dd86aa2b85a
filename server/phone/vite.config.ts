/**
 * Builds the phone web app (served by the server under /m/) into dist/phone. Two pages: the
 * account app (index.html) and the QR pairing page (pair.html).
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const root = dirname(fileURLToPath(import.meta.url));
const repo = resolve(root, '../..');

const input = { index: resolve(root, 'index.html'), pair: resolve(root, 'pair.html') };

/**
 * @hpke/core (pair page) falls back to `import('crypto')` when there is no WebCrypto global;
 * browsers always have one. Answer that import with the browser's own WebCrypto instead of
 * vite's empty stub, which also keeps the build free of "externalized" warnings.
 */
const browserCrypto: Plugin = {
  name: 'keybridge-browser-crypto',
  enforce: 'pre',
  resolveId: (id) => (id === 'crypto' || id === 'node:crypto' ? '\0browser-crypto' : null),
  load: (id) =>
    id === '\0browser-crypto'
      ? 'export const webcrypto = globalThis.crypto; export default { webcrypto };'
      : null,
};

export default defineConfig({
  plugins: [browserCrypto],
  root,
  base: '/m/',
  publicDir: false,
  // No React plugin: vite's built-in oxc compiles TSX with the automatic JSX runtime.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: resolve(repo, 'dist/phone'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    rollupOptions: { input },
  },
});
