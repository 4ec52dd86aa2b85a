/**
 * No visible English left in the phone pages' JSX: every word a person reads comes from the
 * catalogue (server/phone/i18n/), so zh-CN can never show a stray English string.
 * `jsx-only` checks JSX text, attribute values and the strings inside JSX expressions.
 * Allowed as they are, with the reason:
 */
import i18next from 'eslint-plugin-i18next';

const technicalAttributes = [
  // machine-readable hooks for tests and CSS, never shown
  'className',
  'data-testid',
  'testId',
  'data-tone',
  'data-kind',
  'data-reason',
  'data-step',
  'data-code',
  'id',
  'htmlFor',
  'key',
  // HTML and ARIA vocabularies (role="alert", aria-live="off", inputMode="numeric", …)
  'type',
  'role',
  'aria-live',
  'aria-hidden',
  'aria-busy',
  'inputMode',
  'autoComplete',
  'name',
  'pattern',
  'href',
  'target',
  'rel',
  // SVG drawing (the QR code, the key icon)
  'viewBox',
  'fill',
  'stroke',
  'strokeWidth',
  'strokeLinecap',
  'shapeRendering',
  'd',
  'width',
  'height',
];

export const phoneI18n = {
  files: ['server/phone/**/*.tsx'],
  plugins: { i18next },
  rules: {
    'i18next/no-literal-string': [
      'error',
      {
        mode: 'jsx-only',
        'jsx-attributes': { exclude: technicalAttributes },
        words: {
          exclude: [
            // the plugin's defaults: punctuation, digits, CONSTANTS
            '[0-9!-/:-@[-`{-~]+',
            '[A-Z_-]+',
            // the product's name, the same in every language (docs/glossary.md)
            'Keybridge',
            // marks drawn as text, not words
            '[✓•·]',
          ],
        },
      },
    ],
  },
};
