/**
 * pino for the whole server, as two loggers on one destination:
 * - the app logger, with redaction over the fields that could hold a secret if someone ever
 *   logs an object carelessly (routes, the relay, errors: everything but access lines);
 * - the access logger, one line per request (server/http/access-log.ts) of fixed fields that
 *   cannot hold a secret (method, path, client address, status, time), so it runs no
 *   redaction. Fastify's own two lines per request (incoming, completed), each redacted, cost
 *   about 7% of a sign-in's CPU (issue 10's profile).
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.totp',
  '*.code',
  '*.reverseCode',
  '*.secret',
  '*.otpauthUri',
  '*.recoveryCodes',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  '*.challenge',
  '*.response',
  '*.privateKey',
  'body',
  '*.body',
];

export type Loggers = { app: Logger; access: Logger };

/**
 * stdout, written in batches: a line waits until 4 KiB are buffered or 250 ms have passed, so
 * a busy server makes one write system call per few dozen lines instead of one per line (each
 * write was 4.5–7% of a sign-in's CPU in issue 10's profile). pino flushes the buffer when the
 * process exits, also after an uncaught exception; only a kill -9 or an out-of-memory kill can
 * lose the last 250 ms of lines (README.md, Durability and logging).
 */
export function bufferedStdout(): DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 250 });
}

export function createLoggers(level: string, destination?: DestinationStream): Loggers {
  const out = destination ?? bufferedStdout();
  return {
    app: pino({ level, redact: { paths: redactPaths, censor: '[redacted]' } }, out),
    access: pino({ level }, out),
  };
}

/** The app logger alone (tools and tests that log no requests). */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return createLoggers(level, destination).app;
}
