/**
 * Terminal sign-in: `keybridge login|status|logout`. The same QR flow as the desktop app, for
 * operators checking a deployment and for machines without a desktop. The session goes into
 * the OS keychain exactly like the app's; without a keychain the CLI refuses rather than
 * writing a file.
 *
 * Output contract (tests and scripts rely on it):
 * - stdout: the QR (terminal characters; left out with a note when the terminal is narrower
 *   than the QR), the link alone on its own line, progress lines with the time left, and
 *   `Signed in as <email>` / `Signed out.` / `Signed in as <email> on <server>`.
 * - stderr + non-zero exit: exactly one line `keybridge: <reason>` on any failure.
 * The words are in the terminal's language (electron/cli/i18n/: LC_ALL, LC_MESSAGES, LANG);
 * the lines above are the English ones.
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import QRCode from 'qrcode';
import { ApiError, createApiClient, defaultDevice } from '../services/api-client';
import { createQrLogin, type QrLoginState } from '../services/qr-login';
import { DEFAULT_SERVER_URL, parseServerUrl, ServerUrlError } from '../services/server-url';
import { createSessionManager } from '../services/session';
import {
  createKeytarVault,
  KeychainUnavailableError,
  type TokenVault,
  type VaultAccount,
} from '../services/token-vault';
import type { QrFailReason } from '../services/qr-login';
import { cliLocale, createCliI18n } from './i18n';
import en from './i18n/en.json';

const { t } = createCliI18n(cliLocale(process.env));

const usage = () => t('usage', { defaultServer: DEFAULT_SERVER_URL });

// Every way a QR flow can fail has words (en.json `failure`): a new reason without them does not build.
en.failure satisfies Record<QrFailReason, string>;

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

type Args = {
  command: string | undefined;
  server?: string;
  deviceName?: string;
  timeoutSeconds?: number;
  localAddress?: string;
};

function parse(argv: string[]): Args {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      server: { type: 'string', short: 's' },
      'device-name': { type: 'string' },
      timeout: { type: 'string' },
      // Bind to another local address (tests use 127.0.0.2 to look like another network).
      'local-address': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return { command: 'help' };
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
  if (timeout !== undefined && !(timeout > 0)) throw new CliError(t('timeoutNotNumber'));
  return {
    command: positionals[0],
    server: values.server ?? (process.env.KEYBRIDGE_SERVER_URL || undefined),
    deviceName: values['device-name'],
    timeoutSeconds: timeout,
    localAddress: values['local-address'] ?? (process.env.KEYBRIDGE_LOCAL_ADDRESS || undefined),
  };
}

/** `required`: login falls back to the app's default server, as the desktop app does. */
function serverUrlOf(raw: string | undefined, required: boolean): string | undefined {
  if (!raw) return required ? DEFAULT_SERVER_URL : undefined;
  try {
    return parseServerUrl(raw);
  } catch (error) {
    if (error instanceof ServerUrlError) throw new CliError(t('notServerUrl', { url: raw }), 2);
    throw error;
  }
}

/** The server the command was talking to, for the words of a failure. */
let contactedServer = '';

const out = (line = '') => process.stdout.write(`${line}\n`);

/**
 * KEYBRIDGE_VAULT_SERVICE (same name as the desktop app's) lets tests keep their entries apart
 * from the app's (com.keybridge.desktop) in a shared test keyring; people never need it.
 */
const vaultFor = () =>
  createKeytarVault({ service: process.env.KEYBRIDGE_VAULT_SERVICE || undefined });

// ------------------------------------------------------------------ login

async function login(args: Args): Promise<number> {
  const serverUrl = serverUrlOf(args.server, true)!;
  contactedServer = serverUrl;
  const vault = vaultFor();
  // Fail before showing a QR: a sign-in nobody can keep is worse than none.
  const previous = await vault.getCurrentAccount();
  const previousToken = previous ? await vault.getRefreshToken(previous) : null;

  const api = createApiClient({ serverUrl, localAddress: args.localAddress });
  try {
    await api.config();
    const session = createSessionManager({ api, vault });
    const base = defaultDevice();
    const device = {
      name: (args.deviceName?.trim() || base.name).slice(0, 80),
      platform: base.platform,
    };
    const flow = createQrLogin({
      serverUrl,
      api,
      session,
      device,
      appName: 'Keybridge CLI',
      localAddress: args.localAddress,
      maxWaitMs: (args.timeoutSeconds ?? 300) * 1000,
    });

    const prompt = createCodePrompt();
    const countdown = createCountdown();
    let shownLinks = 0;
    let noInput = false;
    const printing: Promise<void>[] = [];
    flow.subscribe((state) => {
      countdown.stop();
      printing.push(show(state));
    });

    async function show(state: QrLoginState) {
      switch (state.status) {
        case 'waiting-for-scan': {
          const qr = await QRCode.toString(state.link, { type: 'terminal', small: true });
          if (shownLinks++ > 0) out(t('login.newCode'));
          const qrWidth = Math.max(...qr.split('\n').map((l) => [...l].length));
          const columns = process.stdout.columns;
          if (columns && columns < qrWidth) {
            out(t('login.tooNarrow', { columns: qrWidth }));
            out(t('login.openLink'));
          } else {
            out(qr);
            out(t('login.scanOrOpen'));
          }
          // Alone on its line, nothing before or after it: copied whole even where it wraps.
          out(state.link);
          countdown.start(state.expiresAt, t('login.waiting'));
          return;
        }
        case 'scanned':
          out(state.sameNetwork ? t('login.scanned') : t('login.scannedOtherNetwork'));
          return;
        case 'waiting-for-approval':
          out(t('login.waitingApproval'));
          return;
        case 'needs-code': {
          // The server's words repeat the tries left; they are said once, in the prompt.
          // The service's words are English; a message without tries left is the format check.
          if (state.triesLeft !== undefined) out(t('login.wrongCode'));
          else if (state.message) out(t('login.typeDigits'));
          const parts = [
            state.triesLeft === undefined ? null : t('login.triesLeft', { count: state.triesLeft }),
            state.expiresAt ? t('login.left', { time: clock(state.expiresAt - Date.now()) }) : null,
          ].filter(Boolean);
          const code = await prompt.ask(
            parts.length
              ? t('login.askCodeWith', { extra: parts.join(t('login.listSeparator')) })
              : t('login.askCode'),
          );
          if (code === null) {
            noInput = true;
            await flow.cancel();
            return;
          }
          // As the phone shows it ("637 524") or typed with a dash: only the digits count.
          void flow.submitCode(code.replace(/[\s-]/g, ''));
          return;
        }
        case 'verifying':
          out(t('login.verifying'));
          return;
        default:
          return;
      }
    }

    const final = await flow.finished;
    countdown.stop();
    await Promise.all(printing);
    prompt.close();
    switch (final.status) {
      case 'signed-in':
        if (previous && previousToken) await retire(previous, previousToken, vault, args);
        out(t('login.signedIn', { email: final.user.email }));
        return 0;
      case 'expired':
        throw new CliError(t('login.expired'));
      case 'cancelled':
        if (noInput) throw new CliError(t('login.noInput'));
        throw new CliError(t('login.cancelled'), 130);
      case 'failed':
        // By reason, never the service's English text.
        throw new CliError(t(`failure.${final.reason}`, { server: serverUrl, fix: keychainFix() }));
      default:
        throw new CliError(t('login.unexpectedEnd'));
    }
  } finally {
    api.close();
  }
}

/**
 * Signing in again replaces the saved session: the one it replaces is ended on its server and
 * its refresh token leaves the keychain, so no live token is left behind unreferenced.
 * Best effort: the new sign-in already succeeded.
 */
async function retire(
  account: VaultAccount,
  refreshToken: string,
  vault: TokenVault,
  args: Args,
): Promise<void> {
  const api = createApiClient({ serverUrl: account.serverOrigin, localAddress: args.localAddress });
  try {
    const tokens = await api.refresh(refreshToken);
    await api.logout(tokens.accessToken);
  } catch {
    // Already ended, or that server is gone: nothing left to end.
  } finally {
    api.close();
  }
  const current = await vault.getCurrentAccount().catch(() => null);
  const replaced =
    current?.serverOrigin === account.serverOrigin && current.userId === account.userId;
  // Same account: the keychain entry already holds the new token; keep it.
  if (!replaced) await vault.deleteRefreshToken(account).catch(() => false);
}

/** "1:05" for 65 000 ms; never below 0:00. */
function clock(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/**
 * The time left while waiting. A terminal gets one line that counts down in place; a pipe (a
 * log, a script) gets a line every 15 seconds instead of one per second.
 */
function createCountdown() {
  let timer: NodeJS.Timeout | null = null;
  let inPlace = false;
  return {
    start(until: number, what: string) {
      this.stop();
      const tty = process.stdout.isTTY === true;
      const line = () => t('login.timeLeft', { what, time: clock(until - Date.now()) });
      if (tty) {
        inPlace = true;
        process.stdout.write(line());
      } else out(line());
      let ticks = 0;
      timer = setInterval(() => {
        ticks += 1;
        if (until - Date.now() <= 0) return this.stop();
        if (tty) process.stdout.write(`\r${line()}`);
        else if (ticks % 15 === 0) out(line());
      }, 1000);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
      if (inPlace) process.stdout.write('\n');
      inPlace = false;
    },
  };
}

/** Reads codes line by line from stdin (a terminal or a pipe). null when stdin ended. */
function createCodePrompt() {
  let rl: ReturnType<typeof createInterface> | null = null;
  const lines: string[] = [];
  const waiting: ((line: string | null) => void)[] = [];
  let ended = false;
  function ensure() {
    if (rl) return;
    rl = createInterface({ input: process.stdin, terminal: false });
    rl.on('line', (line) => {
      const w = waiting.shift();
      if (w) w(line.trim());
      else lines.push(line.trim());
    });
    rl.on('close', () => {
      ended = true;
      for (const w of waiting.splice(0)) w(null);
    });
  }
  return {
    ask(question: string): Promise<string | null> {
      ensure();
      process.stdout.write(question);
      const ready = lines.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve) => waiting.push(resolve));
    },
    close() {
      rl?.close();
    },
  };
}

// ------------------------------------------------------------------ status / logout

async function status(args: Args): Promise<number> {
  const vault = vaultFor();
  const current = await vault.getCurrentAccount();
  const serverUrl = serverUrlOf(args.server, false) ?? current?.serverOrigin;
  if (!current || !serverUrl || current.serverOrigin !== serverUrl) {
    throw new CliError(
      serverUrl ? t('status.notSignedInTo', { server: serverUrl }) : t('status.notSignedIn'),
    );
  }
  contactedServer = serverUrl;
  const api = createApiClient({ serverUrl, localAddress: args.localAddress });
  try {
    const session = createSessionManager({ api, vault });
    const user = await session.restore();
    if (!user) throw new CliError(t('status.ended', { server: serverUrl }));
    const me = await session.withAccess((token) => api.me(token));
    out(t('status.signedInOn', { email: me.user.email, server: serverUrl }));
    out(
      t('status.summary', {
        passkeys: me.passkeyCount,
        sessions: me.sessionCount,
        totp: me.totpEnabled ? t('status.on') : t('status.off'),
      }),
    );
    return 0;
  } finally {
    api.close();
  }
}

async function logout(args: Args): Promise<number> {
  const vault = vaultFor();
  const current = await vault.getCurrentAccount();
  const serverUrl = serverUrlOf(args.server, false) ?? current?.serverOrigin;
  if (!current || !serverUrl || current.serverOrigin !== serverUrl) {
    out(t('status.notSignedIn'));
    return 0;
  }
  contactedServer = serverUrl;
  const api = createApiClient({ serverUrl, localAddress: args.localAddress });
  try {
    await createSessionManager({ api, vault }).signOut();
    out(t('logout.signedOut'));
    return 0;
  } finally {
    api.close();
  }
}

// ------------------------------------------------------------------ main

async function main(argv: string[]): Promise<number> {
  try {
    const args = parse(argv);
    switch (args.command) {
      case 'login':
        return await login(args);
      case 'status':
        return await status(args);
      case 'logout':
        return await logout(args);
      case 'help':
        out(usage());
        return 0;
      default:
        process.stderr.write(`${usage()}\n`);
        return 2;
    }
  } catch (e) {
    process.stderr.write(`keybridge: ${reasonOf(e)}\n`);
    return e instanceof CliError ? e.exitCode : 1;
  }
}

/** The keychain's one fix step on this system. */
function keychainFix(): string {
  const platform =
    process.platform === 'darwin' || process.platform === 'win32' ? process.platform : 'linux';
  return t(`keychainFix.${platform}`);
}

/** One line, plain words, never a token. */
function reasonOf(e: unknown): string {
  if (e instanceof KeychainUnavailableError)
    return t('failure.keychain-unavailable', { fix: keychainFix() });
  if (e instanceof ApiError && Object.hasOwn(en.errors, e.code))
    return t(`errors.${e.code as keyof typeof en.errors}`, { server: contactedServer });
  if (e instanceof CliError || e instanceof ApiError) {
    return e.message.replace(/\s+/g, ' ');
  }
  if (e instanceof Error && 'code' in e && e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    return e.message.replace(/\s+/g, ' ');
  }
  return t('unexpected', {
    message: e instanceof Error ? e.message.replace(/\s+/g, ' ') : String(e),
  });
}

async function flushAndExit(code: number) {
  await new Promise<void>((r) => process.stdout.write('', () => r()));
  // keytar and sockets may keep handles open; the result is decided, so leave now.
  process.exit(code);
}

process.on('SIGINT', () => {
  process.stderr.write(`keybridge: ${t('login.cancelled')}\n`);
  process.exit(130);
});

await flushAndExit(await main(process.argv.slice(2)));
