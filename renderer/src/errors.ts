/**
 * Plain words for every error the UI can meet, in the active language: one catalogue entry
 * per code (en.json `errors.codes`, which the type below holds to every code the bridge can
 * send). The main process's own message is English and only a last resort for a code this
 * build does not know yet.
 */
import type { UiError } from './bridge';
import en from './i18n/en.json';
import { i18n } from './i18n';

// Every code has words: adding a code to the contract without them does not build.
en.errors.codes satisfies Record<UiError['code'], string>;

type Known = keyof typeof en.errors.codes;

export function plainMessage(e: Pick<UiError, 'code' | 'message'>): string {
  if (!Object.hasOwn(en.errors.codes, e.code)) return e.message;
  return i18n.t(`errors.codes.${e.code as Known}`);
}

/** Errors where pressing the same button again can help. */
export function isRetryable(code: UiError['code']): boolean {
  return !['invalid_arguments', 'forbidden_sender', 'bridge_missing', 'last_passkey'].includes(
    code,
  );
}
