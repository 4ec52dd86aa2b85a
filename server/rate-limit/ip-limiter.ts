/**
 * Per-IP limits on requests that cost the server work or memory whatever their outcome:
 * sign-ups (an argon2 hash each) and passkey sign-in options (a live challenge each). Every
 * request counts, not only failures; over the limit the request is refused before any work.
 */
import type { RateLimitConfig, RateLimitRule } from '../config';
import { rateLimited, type RateLimitStore } from './rate-limiter';

export type IpLimitedAction = 'signup' | 'passkey_options';

export class IpLimiter {
  constructor(
    private readonly store: RateLimitStore,
    private readonly limits: RateLimitConfig,
  ) {}

  private rule(action: IpLimitedAction): RateLimitRule {
    const own = action === 'signup' ? this.limits.signupPerIp : this.limits.passkeyOptionsPerIp;
    return own ?? this.limits.perIp;
  }

  /** Counts one request from `ip`; throws 429 rate_limited (with Retry-After) when over. */
  async take(action: IpLimitedAction, ip: string): Promise<void> {
    const wait = await this.store.hit(`${action}:ip:${ip}`, this.rule(action));
    if (wait > 0) throw rateLimited(wait);
  }
}
