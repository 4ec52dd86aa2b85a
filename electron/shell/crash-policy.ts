/**
 * What the main process does with an error nobody handled. Electron's default turns an
 * unhandled rejection (Node's default: an uncaught exception) into a modal "A JavaScript error
 * occurred in the main process" box with a stack trace (electron lib/browser/init.ts). Here
 * instead: one log line without secrets, and plain words for the person using the app.
 */

/** One line about an error, safe for a log: no URLs' paths or fragments, no token-like runs. */
export function describeError(error: unknown): string {
  const e = error as { name?: unknown; message?: unknown; code?: unknown } | null;
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const raw =
    typeof e?.message === 'string' ? e.message : typeof error === 'string' ? error : 'no message';
  const code = typeof e?.code === 'string' ? ` [${e.code}]` : '';
  return `${name}${code}: ${scrub(raw)}`;
}

/**
 * Our own errors never carry tokens, but a library's might quote what it was given: a QR link
 * (its secret is in the fragment), a URL with a token in the query, a bearer token. Keep the
 * origin of a URL (useful when a server is unreachable) and drop every long opaque run.
 */
export function scrub(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#'"]+)[^\s'"]*/gi, '$1/…')
    .replace(/[A-Za-z0-9_\-+/=.]{24,}/g, '[redacted]')
    .slice(0, 300);
}

export type UserNotice = {
  /** the app can go on (a background task failed) or it has to close */
  severity: 'warning' | 'fatal';
  title: string;
  message: string;
};

export type CrashPolicyDeps = {
  log: (line: string) => void;
  /** shows the notice (a dialog in the app); must not throw */
  tell: (notice: UserNotice) => void;
  /** leaves the app after a fatal error (app.exit in main.ts) */
  exit: (code: number) => void;
  /** a background failure is told at most this often (default one minute) */
  quietMs?: number;
  now?: () => number;
};

type ProcessLike = {
  on(event: 'unhandledRejection', fn: (reason: unknown) => void): unknown;
  on(event: 'uncaughtException', fn: (error: Error) => void): unknown;
};

export const BACKGROUND_NOTICE: UserNotice = {
  severity: 'warning',
  title: 'Keybridge',
  message:
    'Something went wrong in the background. Keybridge keeps running; if something looks ' +
    'wrong, try again or restart the app.',
};

export const FATAL_NOTICE: UserNotice = {
  severity: 'fatal',
  title: 'Keybridge has to close',
  message:
    'Keybridge ran into an unexpected problem and has to close. Your sign-in stays in the ' +
    'system keychain: open Keybridge again to continue.',
};

export type CrashPolicy = {
  /** for a promise the app chose not to await: logs and tells, like an unhandled one */
  background(what: string, error: unknown): void;
  /** for a failure the app cannot go on after */
  fatal(what: string, error: unknown): void;
};

/**
 * Installs the policy on `target` (the process in main.ts). A rejection nobody handled is a
 * background failure: logged, told (rate-limited), the app goes on. An uncaught exception
 * leaves the process in an unknown state (Node's own advice), so it is told and the app quits.
 */
export function installCrashPolicy(target: ProcessLike, deps: CrashPolicyDeps): CrashPolicy {
  const quietMs = deps.quietMs ?? 60_000;
  const now = deps.now ?? Date.now;
  let lastTold = -Infinity;
  let closing = false;

  const policy: CrashPolicy = {
    background(what, error) {
      deps.log(`[keybridge] ${what}: ${describeError(error)}`);
      if (closing || now() - lastTold < quietMs) return;
      lastTold = now();
      deps.tell(BACKGROUND_NOTICE);
    },
    fatal(what, error) {
      deps.log(`[keybridge] ${what}: ${describeError(error)}`);
      if (closing) return;
      closing = true;
      deps.tell(FATAL_NOTICE);
      deps.exit(1);
    },
  };
  target.on('unhandledRejection', (reason) => policy.background('unhandled rejection', reason));
  target.on('uncaughtException', (error) => policy.fatal('uncaught exception', error));
  return policy;
}
