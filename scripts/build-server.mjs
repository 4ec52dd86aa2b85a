// Compiles the server (server/main.ts and everything it imports) into one ES module,
// out/server/main.js, so `npm run server` and `npm start` run plain JavaScript and no
// TypeScript loader sits in the production process (issue 10: start to /readyz). Packages stay
// in node_modules (native addons such as better-sqlite3 cannot be bundled). The bundle is two
// folders below the root, like server/web/phone-app.ts, so its dist/phone lookup holds.
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
    packages: 'external',
    // Stack traces map back with `node --enable-source-maps out/server/main.js`.
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildServer();
  console.log(`built ${path.relative(root, serverEntry)}`);
}
