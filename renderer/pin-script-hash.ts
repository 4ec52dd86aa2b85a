/**
 * A Vite plugin for the renderer's index.html, used by both builds of the renderer:
 * renderer/vite.config.ts (dist/renderer, the Chromium harness) and electron.vite.config.ts
 * (out/renderer, the Electron app). Without it the page's CSP allows no script at all.
 */
import { createHash } from 'node:crypto';
import type { Plugin } from 'vite';

/** The CSP meta's script-src (only there, not in a comment). */
const PLACEHOLDER = /(http-equiv="Content-Security-Policy"\s+content="[^"]*)script-src 'none'/;

export function pinScriptHash(): Plugin {
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
