// Browser build of the desktop renderer. The same bundle is loaded by Electron through the
// app:// protocol and, where no Electron binary exists, by Chromium in the test kit, so paths
// are relative (base './') and nothing here is Electron-specific.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * Pins the page's script to its exact bytes: the CSP meta's placeholder script-src 'none'
 * becomes script-src 'sha384-…' (rather than 'self') and the script tag carries the same
 * integrity. Only the bundle we built can run,
 * even if something else were ever served from the app's origin (csp-evaluator, which
 * Electronegativity runs, rightly flags plain 'self' for that reason).
 */
/** The CSP meta's script-src (only there, not in a comment). */
const PLACEHOLDER = /(http-equiv="Content-Security-Policy"\s+content="[^"]*)script-src 'none'/;

function pinScriptHash(): Plugin {
  return {
    name: 'keybridge:pin-script-hash',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        // Dev server: no bundle to pin, so allow the app's own origin.
        if (!ctx.bundle) return html.replace(PLACEHOLDER, "$1script-src 'self'");
        const chunks = Object.values(ctx.bundle).filter((o) => o.type === 'chunk');
        // A hash-only script-src would block any further chunk the entry imports.
        if (chunks.length !== 1) throw new Error(`expected one JS chunk, got ${chunks.length}`);
        const entry = chunks[0]!;
        if (entry.type !== 'chunk') throw new Error('unreachable');
        const hash = `sha384-${createHash('sha384').update(entry.code).digest('base64')}`;
        const tag = new RegExp(
          `<script type="module" crossorigin src="\\./${entry.fileName}"></script>`,
        );
        if (!tag.test(html)) throw new Error('entry script tag not found');
        if (!PLACEHOLDER.test(html)) throw new Error("CSP placeholder script-src 'none' not found");
        return html
          .replace(
            tag,
            `<script type="module" crossorigin integrity="${hash}" src="./${entry.fileName}"></script>`,
          )
          .replace(PLACEHOLDER, `$1script-src '${hash}'`);
      },
    },
  };
}

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
