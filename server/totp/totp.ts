/**
 * TOTP (RFC 6238: SHA-1, 6 digits, 30 s) via otpauth. A code is accepted one step either side
 * of now, and never twice: the last accepted time step is stored per account.
 */
import { Secret, TOTP } from 'otpauth';

const PERIOD = 30;

export function newTotpSecret(): string {
  // Stryker disable next-line ObjectLiteral: otpauth's default is 20 bytes too; the size is written out because it is the rule (RFC 4226's 160 bits, test/server/totp/totp-rules.test.ts).
  return new Secret({ size: 20 }).base32;
}

function totpFor(secret: string, label: string, issuer: string): TOTP {
  return new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD,
    secret: Secret.fromBase32(secret),
  });
}

export function otpauthUri(secret: string, email: string, issuer: string): string {
  return totpFor(secret, email, issuer).toString();
}

/**
 * Returns the matched time step, or null when the code is wrong or was already used
 * (step <= lastStep).
 */
export function checkTotp(
  secret: string,
  code: string,
  now: number,
  lastStep: number | null,
): number | null {
  // Stryker disable next-line StringLiteral: label and issuer only name the account in an otpauth URI; they take no part in a code.
  const delta = totpFor(secret, 'x', 'x').validate({ token: code, timestamp: now, window: 1 });
  if (delta === null) return null;
  const step = Math.floor(now / 1000 / PERIOD) + delta;
  if (lastStep !== null && step <= lastStep) return null;
  return step;
}

/** Test and tooling helper: the code an authenticator app would show at `now`. */
export function totpCodeAt(secret: string, now: number): string {
  // Stryker disable next-line StringLiteral: label and issuer only name the account in an otpauth URI; they take no part in a code.
  return totpFor(secret, 'x', 'x').generate({ timestamp: now });
}
