/**
 * Guards the checks an attacker could guess at: password, TOTP and step-up. Failures are
 * counted per account and per IP; while either is over its limit the check is refused before
 * any work (so a locked-out guesser learns nothing, and argon2 is not run for them).
 */
import type { RateLimitConfig } from '../config';
import { rateLimited, type RateLimitStore } from './rate-limiter';

export type GuardedCheck = 'password' | 'totp' | 'stepup';

export class AttemptGuard {
  constructor(
    private readonly store: RateLimitStore,
    private readonly limits: RateLimitConfig,
  ) {}

  private keys(kind: GuardedCheck, account: string, ip: string) {
    return { account: `${kind}:acct:${account}`, ip: `${kind}:ip:${ip}` };
  }

  /** Throws 429 rate_limited (with retryAfterSeconds) if this account or IP must wait. */
  async assertAllowed(kind: GuardedCheck, account: string, ip: string): Promise<void> {
    const k = this.keys(kind, account, ip);
    const wait = Math.max(
      await this.store.check(k.account, this.limits.perAccount),
      await this.store.check(k.ip, this.limits.perIp),
    );
    if (wait > 0) throw rateLimited(wait);
  }

  async recordFailure(kind: GuardedCheck, account: string, ip: string): Promise<void> {
    const k = this.keys(kind, account, ip);
    await this.store.hit(k.account, this.limits.perAccount);
    await this.store.hit(k.ip, this.limits.perIp);
  }

  /** A success clears the account's count (the IP count stays: it spans accounts). */
  async recordSuccess(kind: GuardedCheck, account: string): Promise<void> {
    await this.store.reset(`${kind}:acct:${account}`);
  }
}
