/**
 * The relay seam (server/context.ts PairingLink) played by a test: every link succeeds and
 * the pairing counts as scanned, so the approve routes find the attempt without a socket. The
 * real relay is covered in test/tunnel/ and test/electron/services/qr-attacks.test.ts.
 */
import type { ServerContext } from '../../server/context';

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
  const original = context.pairingLink;
  context.pairingLink = {
    linkAttempt: (p, l) => {
      links.push(`${p}:${l.kind}:${l.attemptId}`);
      byPairing.set(p, { kind: l.kind, attemptId: l.attemptId });
      return true;
    },
    linkedAttempt: (p) => byPairing.get(p) ?? null,
  };
  return {
    links,
    newPairingId: () => Buffer.alloc(16, (++counter % 200) + 20).toString('base64url'),
    restore: () => (context.pairingLink = original),
  };
}
