/**
 * The attempt <-> pairing link (server/tunnel/attempt-link.ts) played by a test: every link
 * succeeds and the pairing counts as scanned, so the approve routes find the attempt without a
 * socket. The real link and relay are covered in test/tunnel/ and
 * test/electron/services/qr-attacks.test.ts.
 */
import type { ServerContext } from '../../server/context';
import type { PairingLink } from '../../server/tunnel/attempt-link';

export type FakePairings = {
  /** `${pairingId}:${kind}:${attemptId}` per link, in order. */
  links: string[];
  newPairingId(): string;
  restore(): void;
};

let counter = 0;

export function fakePairings(context: ServerContext): FakePairings {
  const links: string[] = [];
  const byPairing = new Map<string, { kind: 'sign-in' | 'add-passkey'; attemptId: string }>();
  // The server's link is fixed at construction; only this test double swaps it.
  const slot = context as { pairingLink: PairingLink };
  const original = slot.pairingLink;
  slot.pairingLink = {
    linkAttempt: async (p, l) => {
      links.push(`${p}:${l.kind}:${l.attemptId}`);
      byPairing.set(p, { kind: l.kind, attemptId: l.attemptId });
      return true;
    },
    linkedAttempt: async (p) => byPairing.get(p) ?? null,
    reverseCodeFor: async () => undefined,
  };
  return {
    links,
    newPairingId: () => Buffer.alloc(16, (++counter % 200) + 20).toString('base64url'),
    restore: () => (slot.pairingLink = original),
  };
}
