/**
 * The renderer's boundary, checked by lint and in its bundle: it reaches the outside only
 * through window.keybridge. No network APIs, no web storage, and from the main process and the
 * server it imports types only (so no main-process code, and no zod schema with secrets
 * handling, is bundled into the least trusted part of the app). The layering rules
 * (eslint.config.mjs) also keep the protocol, the phone, the server and the desktop apart; the
 * fixtures below prove each one fails lint.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'vitest';
import { pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { REPO_ROOT, RENDERER_DIST, ensureRendererBuilt } from '../support/renderer-static';

const configUrl = pathToFileURL(path.join(REPO_ROOT, 'eslint.config.mjs')).href;
const { layering } = (await import(configUrl)) as { layering: Linter.Config[] };

/** ESLint with the project's layering rules only (no type information: fast). */
const eslint = new ESLint({
  cwd: REPO_ROOT,
  overrideConfigFile: true,
  overrideConfig: [
    { files: ['**/*.ts', '**/*.tsx'], languageOptions: { parser: tseslint.parser } },
    ...layering,
  ],
});

/** The rules each fixture breaks, linted as if it were the file at `file`. */
async function broken(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) });
  assert.ok(result, 'linted');
  return result.messages.map((m) => m.ruleId ?? m.message);
}

const fixtures: { file: string; code: string; rule: string }[] = [
  // The renderer: main process and server by types only, and only the contract and protocol.
  {
    file: 'renderer/src/login/fixture.ts',
    code: "import { RequestSchemas } from '../../../electron/ipc/contract';\nvoid RequestSchemas;",
    rule: 'boundaries/dependencies',
  },
  {
    file: 'renderer/src/login/fixture.ts',
    code: "import type { QrLogin } from '../../../electron/services/qr-login';\nexport type X = QrLogin;",
    rule: 'boundaries/dependencies',
  },
  {
    file: 'renderer/src/fixture.ts',
    code: "import { Email } from '../../server/protocol/api';\nvoid Email;",
    rule: 'boundaries/dependencies',
  },
  {
    file: 'renderer/src/fixture.ts',
    code: "import type { ServerParts } from '../../server/composition-root';\nexport type X = ServerParts;",
    rule: 'boundaries/dependencies',
  },
  {
    file: 'renderer/src/fixture.ts',
    code: "import { ipcRenderer } from 'electron';\nvoid ipcRenderer;",
    rule: 'no-restricted-imports',
  },
  {
    file: 'renderer/src/fixture.ts',
    code: "import fs from 'node:fs';\nvoid fs;",
    rule: 'no-restricted-imports',
  },
  {
    file: 'renderer/src/fixture.ts',
    code: "void fetch('/api/me');",
    rule: 'no-restricted-globals',
  },
  {
    file: 'renderer/src/fixture.ts',
    code: "localStorage.setItem('k', 'v');",
    rule: 'no-restricted-globals',
  },
  {
    file: 'renderer/src/fixture.ts',
    code: 'export const c = document.cookie;',
    rule: 'no-restricted-properties',
  },
  // The protocol imports nothing local outside itself.
  {
    file: 'server/protocol/fixture.ts',
    code: "import { ApiError } from '../http/errors';\nvoid ApiError;",
    rule: 'boundaries/dependencies',
  },
  {
    file: 'server/protocol/fixture.ts',
    code: "import { randomBytes } from 'node:crypto';\nvoid randomBytes;",
    rule: 'no-restricted-imports',
  },
  {
    file: 'server/protocol/fixture.ts',
    code: "import { Redis } from 'ioredis';\nvoid Redis;",
    rule: 'no-restricted-imports',
  },
  // The phone: its own files and the protocol.
  {
    file: 'server/phone/lib/fixture.ts',
    code: "import { ApiError } from '../../http/errors';\nvoid ApiError;",
    rule: 'boundaries/dependencies',
  },
  // The server never imports a client.
  {
    file: 'server/http/fixture.ts',
    code: "import { createApiClient } from '../../electron/services/api-client';\nvoid createApiClient;",
    rule: 'boundaries/dependencies',
  },
  {
    file: 'server/http/fixture.ts',
    code: "import type { SessionState } from '../../electron/ipc/contract';\nexport type X = SessionState;",
    rule: 'boundaries/dependencies',
  },
  {
    file: 'server/http/fixture.ts',
    code: "import { formatDate } from '../../renderer/src/format';\nvoid formatDate;",
    rule: 'boundaries/dependencies',
  },
  // The preload bundles one value only: the plain IPC names, never the zod contract.
  {
    file: 'electron/preload.ts',
    code: "import { RequestSchemas } from './ipc/contract';\nvoid RequestSchemas;",
    rule: 'boundaries/dependencies',
  },
  {
    file: 'electron/preload.ts',
    code: "import { Email } from '../server/protocol/api';\nvoid Email;",
    rule: 'boundaries/dependencies',
  },
  // The shared IPC names import nothing: not the contract, not a package.
  {
    file: 'electron/shared/fixture.ts',
    code: "import { z } from 'zod';\nvoid z;",
    rule: 'no-restricted-imports',
  },
  // The desktop knows the server only through the protocol.
  {
    file: 'electron/services/fixture.ts',
    code: "import { ApiError } from '../../server/http/errors';\nvoid ApiError;",
    rule: 'boundaries/dependencies',
  },
];

test('lint fails each layering violation', async () => {
  for (const { file, code, rule } of fixtures) {
    assert.deepEqual(await broken(file, code), [rule], `${file}: ${code}`);
  }
});

test('lint lets the allowed imports through', async () => {
  const allowed = [
    {
      file: 'renderer/src/login/fixture.ts',
      code: "import type { SessionState } from '../../../electron/ipc/contract';\nimport type { MeResponse } from '../../../server/protocol/api';\nexport type X = [SessionState, MeResponse];",
    },
    {
      file: 'server/protocol/fixture.ts',
      code: "import { z } from 'zod';\nimport { CipherSuite } from '@hpke/core';\nimport { Token } from './api';\nvoid [z, CipherSuite, Token];",
    },
    {
      file: 'server/phone/lib/fixture.ts',
      code: "import { Email } from '../../protocol/api';\nimport { whenWords } from './format';\nvoid [Email, whenWords];",
    },
    {
      file: 'electron/services/fixture.ts',
      code: "import { Email } from '../../server/protocol/api';\nimport { RequestSchemas } from '../ipc/contract';\nvoid [Email, RequestSchemas];",
    },
    {
      file: 'server/http/fixture.ts',
      code: "import { Email } from '../protocol/api';\nimport { ApiError } from './errors';\nvoid [Email, ApiError];",
    },
    {
      file: 'electron/preload.ts',
      code: "import type { KeybridgeApi } from './ipc/contract';\nimport { ApiMethods } from './shared/ipc-channels';\nexport const x: Partial<KeybridgeApi> = {};\nvoid ApiMethods;",
    },
    {
      file: 'electron/ipc/contract.ts',
      code: "import { ApiMethods } from '../shared/ipc-channels';\nvoid ApiMethods;",
    },
  ];
  for (const { file, code } of allowed) assert.deepEqual(await broken(file, code), [], file);
});

test('the project lint config applies the layering rules', async () => {
  const project = new ESLint({ cwd: REPO_ROOT });
  for (const file of ['renderer/src/App.tsx', 'server/protocol/api.ts', 'server/app.ts']) {
    const config = (await project.calculateConfigForFile(
      path.join(REPO_ROOT, file),
    )) as Linter.Config;
    const rule = config.rules?.['boundaries/dependencies'];
    assert.ok(Array.isArray(rule) && (rule[0] === 2 || rule[0] === 'error'), file);
  }
});

test('the bundle carries no network client and no main-process code', async () => {
  await ensureRendererBuilt();
  const assets = path.join(RENDERER_DIST, 'assets');
  const js = fs
    .readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .map((f) => fs.readFileSync(path.join(assets, f), 'utf8'))
    .join('\n');
  assert.ok(js.length > 1000, 'found the bundle');
  for (const needle of ['socket.io', 'keytar', 'XMLHttpRequest', 'ZodError', 'createApiClient']) {
    assert.equal(js.includes(needle), false, `${needle} is in the renderer bundle`);
  }
  const html = fs.readFileSync(path.join(RENDERER_DIST, 'index.html'), 'utf8');
  assert.match(html, /connect-src 'none'/, 'the page ships its CSP');
  assert.doesNotMatch(html, /<script>(?!<)/, 'no inline script');
  // Only the exact bundle may run: script-src and the tag's integrity are its sha384.
  const src = /<script[^>]*integrity="(sha384-[^"]+)"[^>]*src="\.\/(assets\/[^"]+\.js)"/.exec(html);
  assert.ok(src, 'the script tag carries an integrity hash');
  const actual = `sha384-${createHash('sha384')
    .update(fs.readFileSync(path.join(RENDERER_DIST, src[2]!)))
    .digest('base64')}`;
  assert.equal(src[1], actual, 'integrity matches the bundle');
  assert.match(
    html,
    new RegExp(`script-src '${actual.replace(/[+/]/g, '\\$&')}'`),
    'CSP pins the same hash',
  );
});
