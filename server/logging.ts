/**
 * pino for the whole server. Request logs carry method, URL and status only (Fastify's
 * default serializers: no headers, no bodies), and redaction covers the fields that could
 * hold a secret if someone ever logs an object carelessly.
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

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = { level, redact: { paths: redactPaths, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}
