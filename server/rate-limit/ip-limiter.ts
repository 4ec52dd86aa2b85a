/**
 * Per-client limits on requests that cost the server work or memory whatever their outcome:
 * sign-ups (an argon2 hash each) and passkey sign-in options (a live challenge each). Every
 * request counts, not only failures; over the limit the request is refused before any work.
 * A "client" is its /24 or /64 (server/http/subnet.ts), so many addresses from one range
 * share one count. For passkey options this also caps the live attempts one range can hold
 * (server/config.ts defaultRateLimits), far below the store's global cap.
 */
import type { RateLimitConfig, RateLimitRule } from '../config';
import { rateLimited, type RateLimitStore } from './rate-limiter';
import { subnetKey } from '../http/subnet';

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

  /** Counts one request from `ip`'s subnet; throws 429 rate_limited (with Retry-After) when over. */
  async take(action: IpLimitedAction, ip: string): Promise<void> {
    const wait = await this.store.hit(`${action}:net:${subnetKey(ip)}`, this.rule(action));
    if (wait > 0) throw rateLimited(wait);
  }
}
