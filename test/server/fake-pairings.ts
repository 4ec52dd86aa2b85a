/**
 * The attempt <-> pairing link (server/tunnel/attempt-link.ts) played by a test: while engaged,
 * every link succeeds and the pairing counts as scanned, so the approve routes find the attempt
 * without a socket; otherwise the server's real link answers. A true boundary: it stands in for
 * the relay's side. Hand `wrap` to the server (`seams.pairingLink`, server/composition-root.ts).
 * The real link and relay are covered in test/server/tunnel/ and
 * test/electron/services/qr-attacks.test.ts.
 */
import type { PairingLink } from '../../server/tunnel/attempt-link';
import type { PairPurpose } from '../../server/protocol/tunnel';

export type FakePairings = {
  /** `${pairingId}:${kind}:${attemptId}` per link since the last engage(), in order. */
  links: string[];
  /** For `seams.pairingLink`: the link the server uses, fake while engaged. */
  wrap(real: PairingLink): PairingLink;
  /** From now on every link succeeds (and `links` starts empty). */
  engage(): void;
  /** Back to the server's real link. */
  restore(): void;
  newPairingId(): string;
};

let counter = 0;

export function fakePairings(): FakePairings {
  const links: string[] = [];
  const byPairing = new Map<string, { kind: PairPurpose; attemptId: string }>();
  const fake: PairingLink = {
    linkAttempt: async (p, l) => {
      links.push(`${p}:${l.kind}:${l.attemptId}`);
      byPairing.set(p, { kind: l.kind, attemptId: l.attemptId });
      return true;
    },
    linkedAttempt: async (p) => byPairing.get(p) ?? null,
    reverseCodeFor: async () => undefined,
  };
  let engaged = false;
  return {
    links,
    wrap: (real) => ({
      linkAttempt: (p, l) => (engaged ? fake : real).linkAttempt(p, l),
      linkedAttempt: (p) => (engaged ? fake : real).linkedAttempt(p),
      reverseCodeFor: (p) => (engaged ? fake : real).reverseCodeFor(p),
    }),
    engage: () => {
      links.length = 0;
      byPairing.clear();
      engaged = true;
    },
    restore: () => {
      engaged = false;
    },
    newPairingId: () => Buffer.alloc(16, (++counter % 200) + 20).toString('base64url'),
  };
}
