#!/usr/bin/env node
// `npx keybridge login|status|logout`: registers tsx (the project runs TypeScript through it,
// there is no separate build for the CLI) and runs electron/cli/keybridge.ts.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../electron/cli/keybridge.ts', import.meta.url).href);
