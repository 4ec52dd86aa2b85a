/** Polls a condition until it holds (tests wait on conditions, never on fixed sleeps). */
import { setTimeout as delay } from 'node:timers/promises';

export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  o: { what: string; timeoutMs?: number; everyMs?: number },
): Promise<void> {
  const deadline = Date.now() + (o.timeoutMs ?? 20_000);
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${o.what}`);
    await delay(o.everyMs ?? 50);
  }
}
