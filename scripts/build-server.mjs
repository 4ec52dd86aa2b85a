// Compiles the server (server/main.ts and everything it imports, packages included) into one
// ES module, out/server/main.js, so `npm run server` and `npm start` run plain JavaScript and
// no TypeScript loader sits in the production process (issue 10: start to /readyz). Bundling
// the packages too saves resolving and reading their hundreds of files on every start (about
// half the start-up time on the bench machine). Native addons and optional native helpers
// stay in node_modules, loaded through a real `require`. The bundle is two folders below the
// root, like server/web/phone-app.ts, so its dist/phone lookup holds.
// Run on its own (`node scripts/build-server.mjs`) or through scripts/build.mjs.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
export const serverEntry = path.join(root, 'out', 'server', 'main.js');

export async function buildServer() {
  await build({
    entryPoints: [path.join(root, 'server', 'main.ts')],
    outfile: serverEntry,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: [
      'better-sqlite3',
      '@node-rs/argon2',
      'keytar',
      'pg-native', // pg's optional native client (never used)
      'bufferutil', // ws's optional native helpers
      'utf-8-validate',
    ],
    // Bundled CommonJS packages call require(); ES modules have none.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    // Stack traces map back with `node --enable-source-maps out/server/main.js`.
    sourcemap: 'linked',
    // Third-party licence texts, beside the bundle (main.js.LEGAL.txt).
    legalComments: 'linked',
    logLevel: 'warning',
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildServer();
  console.log(`built ${path.relative(root, serverEntry)}`);
}
