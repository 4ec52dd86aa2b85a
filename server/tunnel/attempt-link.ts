/**
 * The one owner of "which server attempt belongs to which pairing". Built once in the
 * composition (server/app.ts) over the relay's pairing store and the attempt stores, and handed
 * to both sides; calls go one way, into this module:
 *
 * - the options routes (sign-in, add-passkey) link their new attempt to an open, unscanned
 *   pairing (false -> 404 pairing_not_found);
 * - the relay, when a phone joins from another network, asks for the linked attempt's reverse
 *   code (sent to the phone only);
 * - the approve routes find the attempt through the pairing the phone joined, so the phone
 *   never needs the desktop's attemptId.
 */
import { challengeHash, type PairPurpose } from '../protocol/tunnel';
import type { Pairing, PairingStore } from './pairing-store';

/** What POST .../options {pairingId} links to a pairing: which store, which attempt. */
export type AttemptLink = { kind: PairPurpose; attemptId: string; challenge: string };
export type LinkedAttempt = { kind: PairPurpose; attemptId: string };

export interface PairingLink {
  /**
   * Binds an attempt to an open, not yet scanned pairing; its challenge's hash lets the phone
   * check it signs this attempt and no other. false: no such open pairing, already scanned,
   * or bound to another attempt.
   */
  linkAttempt(pairingId: string, link: AttemptLink): Promise<boolean>;
  /** The attempt linked to an open pairing that a phone has joined; null otherwise. */
  linkedAttempt(pairingId: string): Promise<LinkedAttempt | null>;
  /**
   * A fresh reverse code for the attempt linked to `pairing` (stored hashed by its attempt
   * store); undefined when no attempt is linked or nobody issues codes.
   */
  reverseCodeFor(pairing: Pairing): Promise<string | undefined>;
}

/** The attempt stores, by the purpose their attempts serve. */
export type ReverseCodeIssuer = (kind: PairPurpose, attemptId: string) => string | Promise<string>;

export function createPairingLink(deps: {
  pairings: PairingStore;
  /** Absent: a relay on its own (its tests), which links but issues no codes. */
  issueReverseCode?: ReverseCodeIssuer;
  now: () => number;
}): PairingLink {
  const { pairings, issueReverseCode, now } = deps;
  return {
    async linkAttempt(pairingId, { kind, attemptId, challenge }) {
      return pairings.linkAttempt(pairingId, {
        kind,
        attemptId,
        challengeHash: await challengeHash(challenge),
      });
    },
    async linkedAttempt(pairingId) {
      const p = await pairings.get(pairingId);
      // Only a scanned pairing: the reverse-code decision was made when the phone joined.
      if (!p?.phone || !p.kind || !p.attemptId || p.expiresAt <= now()) return null;
      return { kind: p.kind, attemptId: p.attemptId };
    },
    async reverseCodeFor(pairing) {
      if (!pairing.kind || !pairing.attemptId || !issueReverseCode) return undefined;
      return issueReverseCode(pairing.kind, pairing.attemptId);
    },
  };
}

/** No relay: there are no pairings, so every link is refused. */
export const noPairings: PairingLink = {
  linkAttempt: async () => false,
  linkedAttempt: async () => null,
  reverseCodeFor: async () => undefined,
};
