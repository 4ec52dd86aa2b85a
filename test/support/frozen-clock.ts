/**
 * A clock that moves only when told (server/util/clock.ts's ManualClock adds an offset to the
 * wall clock, so time still passes). For tests that assert an exact Retry-After across slow
 * steps: argon2 sign-ups on a busy machine can take over a second between the first counted
 * request and the refusal, and the wait rounds down by one.
 */
import type { Clock } from '../../server/util/clock';

export class FrozenClock implements Clock {
  private at = Date.now();
  now(): number {
    return this.at;
  }
  advance(ms: number): void {
    this.at += ms;
  }
}
