import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import boundaries from 'eslint-plugin-boundaries';
import globals from 'globals';
import i18next from 'eslint-plugin-i18next';
import { phoneI18n } from './scripts/eslint-phone-i18n.mjs';

// Only the two IPC wrappers may touch Electron's raw IPC objects; everything else goes
// through the typed contract (electron/ipc/contract.ts).
const ipcWrappers = ['electron/ipc/ipc-main.ts', 'electron/preload.ts'];

/**
 * Layering: which part of the app may import which. Each element is a runtime (the tsconfig
 * next to it says which); the first pattern that matches a file names its element. Any local
 * import not allowed below is an error; test/renderer/boundaries.test.ts proves it.
 */
const elements = [
  // Build tooling that lives next to the code it builds (runs in Node).
  {
    type: 'tooling',
    pattern: [
      '*.{ts,mjs,js}',
      'package.json',
      'scripts/**',
      'bin/**',
      'renderer/vite.config.ts',
      'renderer/pin-script-hash.ts',
      'server/phone/vite.config.ts',
    ],
  },
  { type: 'protocol', pattern: 'server/protocol/**' },
  { type: 'phone', pattern: 'server/phone/**' },
  { type: 'server', pattern: 'server/**' },
  { type: 'ipc-contract', pattern: 'electron/ipc/contract.ts' },
  // The IPC names, plain data the preload and the main side share (no imports at all).
  { type: 'ipc-channels', pattern: 'electron/shared/**' },
  { type: 'preload', pattern: ['electron/preload.ts', 'electron/preload/**'] },
  { type: 'electron', pattern: 'electron/**' },
  { type: 'renderer', pattern: 'renderer/**' },
  { type: 'test', pattern: 'test/**' },
  // Some elements are single files (the contract, the preload entry): each pattern matches the
  // whole path. v7 deprecates `mode` for `partialMatch`, which matches folders only.
].map((e) => ({ ...e, mode: 'full' }));

const element = (...types) => ({ element: { type: types } });
/** `from` may import `to` (any import, or type-only ones with kind 'type'). */
const may = (from, to, kind) => ({
  from: element(...from),
  allow: { to: element(...to), ...(kind && { dependency: { kind } }) },
});

const policies = [
  // The protocol is shared by every runtime: it imports nothing local outside itself.
  may(['protocol'], ['protocol']),
  // The server never imports a client (desktop, renderer, phone).
  may(['server'], ['server', 'protocol']),
  // The phone app: its own files and the protocol.
  may(['phone'], ['phone', 'protocol']),
  // The renderer reaches the main process only through the IPC contract, and knows the server
  // only by the protocol's types: nothing from either is bundled into the least trusted part.
  may(['renderer'], ['renderer']),
  may(['renderer'], ['ipc-contract', 'protocol'], 'type'),
  // The contract's schemas come from the protocol, its names from the shared IPC table; it
  // names the services' outcome types.
  may(['ipc-contract'], ['protocol', 'ipc-channels']),
  may(['ipc-contract'], ['electron'], 'type'),
  // The preload exposes the contract's methods and nothing else: the names are the one value
  // it imports (plain data, so the sandboxed bundle stays free of zod and Node).
  may(['preload'], ['preload', 'ipc-channels']),
  may(['preload'], ['ipc-contract'], 'type'),
  // Main process, desktop services and CLI: the server only through the protocol.
  may(['electron'], ['electron', 'ipc-contract', 'ipc-channels', 'protocol']),
  // Tests and tooling may reach everything.
  may(
    ['test', 'tooling'],
    elements.map((e) => e.type),
  ),
];

/**
 * The renderer reaches the outside only through window.keybridge: no network, no web storage,
 * no cookies, no Electron or Node import.
 */
const rendererSandbox = {
  files: ['renderer/src/**'],
  rules: {
    'no-restricted-globals': [
      'error',
      ...['fetch', 'XMLHttpRequest', 'WebSocket', 'EventSource'].map((name) => ({
        name,
        message: 'The renderer has no network: ask the main process through window.keybridge.',
      })),
      ...['localStorage', 'sessionStorage', 'indexedDB'].map((name) => ({
        name,
        message: 'The renderer keeps nothing: state lives in the main process.',
      })),
      { name: 'require', message: 'The renderer is an ES module bundle.' },
    ],
    'no-restricted-properties': [
      'error',
      { object: 'document', property: 'cookie', message: 'The renderer has no cookies.' },
      { object: 'window', property: 'fetch', message: 'The renderer has no network.' },
    ],
    'no-restricted-imports': [
      'error',
      {
        paths: [{ name: 'electron', message: 'The renderer talks to main via window.keybridge.' }],
        patterns: [{ regex: '^node:', message: 'The renderer runs in the page, not in Node.' }],
      },
    ],
  },
};

/** The protocol runs everywhere: of packages, only zod and @hpke/core (no Node, no DOM). */
const protocolPackages = {
  files: ['server/protocol/**'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: '^(?!zod$|@hpke/core$|\\.)',
            message: 'The protocol imports only zod, @hpke/core and its own files.',
          },
        ],
      },
    ],
  },
};

/** The shared IPC names are bundled into the sandboxed preload: plain data, no import of any kind. */
const ipcChannelsPlain = {
  files: ['electron/shared/**'],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            regex: '.*',
            message: 'electron/shared/ holds plain data for the preload: no imports.',
          },
        ],
      },
    ],
  },
};

/**
 * No words in the code: every visible string comes from a catalogue (renderer/src/i18n/,
 * electron/cli/i18n/), so a new literal fails lint instead of staying English in Chinese.
 * What is allowed, and why: attributes that are not words (class names, ids, test ids, ARIA
 * state and wiring, input hints, SVG geometry), the brand "Keybridge" and symbols.
 */
const notWords = {
  'jsx-attributes': {
    exclude: [
      'className',
      'type',
      'id',
      'key',
      'role',
      'htmlFor',
      'data-testid',
      'aria-current',
      'aria-hidden',
      'aria-live',
      'aria-controls',
      'aria-expanded',
      'aria-labelledby',
      'aria-describedby',
      'autoComplete',
      'inputMode',
      'i18nKey',
      'src',
      'width',
      'height',
      'viewBox',
      'fill',
      'stroke',
      'strokeLinecap',
      'strokeLinejoin',
      'focusable',
      'x',
      'y',
      'x1',
      'x2',
      'y1',
      'y2',
      'rx',
      'purpose',
      'mode',
    ],
  },
  words: {
    // Symbols and punctuation only (✓, •, !, ·), and the product's name.
    exclude: ['^[^A-Za-z\\u4e00-\\u9fff]+$', '^Keybridge$', '^K$'],
  },
};
export const noLiteralWords = [
  {
    files: ['renderer/src/**/*.tsx'],
    plugins: { i18next },
    rules: { 'i18next/no-literal-string': ['error', { mode: 'jsx-only', ...notWords }] },
  },
  {
    // The CLI has no JSX: every string is checked, except those that are not words.
    files: ['electron/cli/**/*.ts'],
    plugins: { i18next },
    rules: {
      'i18next/no-literal-string': [
        'error',
        {
          mode: 'all',
          ...notWords,
          words: {
            // As above, plus one lower-case token (an option, a command, a platform, a
            // language code: 'help', 'linux', 'en') and the client's name the server records.
            exclude: [...notWords.words.exclude, '^[a-z][a-z0-9-]*$', '^Keybridge CLI$'],
          },
        },
      ],
    },
  },
];

/** The layering rules on their own (test/renderer/boundaries.test.ts lints fixtures with them). */
export const layering = [
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.mjs'],
    plugins: { boundaries },
    settings: {
      'boundaries/elements': elements,
      'import/resolver': { './scripts/eslint-ts-resolver.cjs': {} },
      // Only the `mode` deprecation above would warn, on every run.
      'boundaries/legacy-warnings': false,
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        { default: 'disallow', checkUnknownLocals: true, policies },
      ],
    },
  },
  rendererSandbox,
  protocolPackages,
  ipcChannelsPlain,
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'out/',
      'release/',
      'data/',
      '.data/',
      'reports/',
      '.stryker-tmp/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // Type-aware rules: each file is checked with the tsconfig of its runtime.
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test() returns a promise the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.tsx'],
    plugins: { 'react-hooks': reactHooks },
    rules: reactHooks.configs.recommended.rules,
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    ignores: ipcWrappers,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              importNames: ['ipcMain', 'ipcRenderer'],
              message:
                'Use the typed IPC wrappers (electron/ipc/ipc-main.ts, electron/preload.ts).',
            },
          ],
        },
      ],
    },
  },
  phoneI18n,
  ...noLiteralWords,
  // Last, so that the renderer's import rule wins over the general one above.
  ...layering,
);
