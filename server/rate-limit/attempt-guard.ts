/**
 * Guards the checks an attacker could guess at: password, TOTP and step-up. A failure counts
 *  - for the account from the caller's subnet (/24 or /64): a growing delay after a few
 *    failures (server/config.ts perAccountAndSubnet), so a guesser is slowed where it sits;
 *  - for the account from everywhere: a high ceiling (perAccount), the stop for a guesser
 *    spread over many networks;
 *  - for the subnet across accounts (perIp).
 * Failures from one network therefore never lock the owner out on another. While any applies
 * the check is refused before any work (so a throttled guesser learns nothing, and argon2 is
 * not run for them). Passkey sign-in is not guarded here: it has nothing to guess.
 */
import { defaultAccountThrottle, type RateLimitConfig } from '../config';
import { subnetKey } from '../http/subnet';
import { rateLimited, type RateLimitStore } from './rate-limiter';

export type GuardedCheck = 'password' | 'totp' | 'stepup';

export class AttemptGuard {
  constructor(
    private readonly store: RateLimitStore,
    private readonly limits: RateLimitConfig,
  ) {}

  private get throttle() {
    return this.limits.perAccountAndSubnet ?? defaultAccountThrottle;
  }

  private keys(kind: GuardedCheck, account: string, ip: string) {
    const net = subnetKey(ip);
    return {
      account: `${kind}:acct:${account}`,
      accountNet: `${kind}:acctnet:${account}:${net}`,
      net: `${kind}:net:${net}`,
    };
  }

  /** Throws 429 rate_limited (with retryAfterSeconds) if this account or subnet must wait. */
  async assertAllowed(kind: GuardedCheck, account: string, ip: string): Promise<void> {
    const k = this.keys(kind, account, ip);
    const wait = Math.max(
      await this.store.backoffCheck(k.accountNet, this.throttle),
      await this.store.check(k.account, this.limits.perAccount),
      await this.store.check(k.net, this.limits.perIp),
    );
    if (wait > 0) throw rateLimited(wait);
  }

  async recordFailure(kind: GuardedCheck, account: string, ip: string): Promise<void> {
    const k = this.keys(kind, account, ip);
    await this.store.backoffHit(k.accountNet, this.throttle);
    await this.store.hit(k.account, this.limits.perAccount);
    await this.store.hit(k.net, this.limits.perIp);
  }

  /**
   * A success clears the account's ceiling and, given `ip`, that subnet's delay (other
   * subnets' delays stay, and so does the subnet count, which spans accounts).
   */
  async recordSuccess(kind: GuardedCheck, account: string, ip?: string): Promise<void> {
    await this.store.reset(`${kind}:acct:${account}`);
    if (ip !== undefined) await this.store.reset(this.keys(kind, account, ip).accountNet);
  }
}
