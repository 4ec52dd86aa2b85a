import type { Clock } from '../../server/util/clock';

/**
 * Time stands still unless advanced. For rules that sit on exact millisecond edges: the
 * ManualClock of server/util/clock.ts also follows real time, so a busy machine moves it on
 * between two lines of a test.
 */
export class FrozenClock implements Clock {
  private t = Date.UTC(2026, 0, 1);
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}
