// Builds the server (compiled JavaScript in out/server/, scripts/build-server.mjs) and the
// browser bundles: the phone web app (served by the server under /m/) and the desktop
// renderer. Each feature owns its vite config; this only runs them in order.
import { existsSync } from 'node:fs';
import { build } from 'vite';
import { buildServer } from './build-server.mjs';

await buildServer();
console.log('built out/server/main.js');

const configs = ['server/phone/vite.config.ts', 'renderer/vite.config.ts'];
for (const configFile of configs) {
  if (!existsSync(configFile)) continue; // a feature not built yet has no bundle
  await build({ configFile, logLevel: 'warn' });
  console.log(`built ${configFile}`);
}
