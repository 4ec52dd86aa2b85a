/**
 * A short label for why @simplewebauthn refused a response. Its messages quote the expected
 * and received challenge and origin; a challenge must never reach logs or the activity log,
 * so only the label is kept.
 */
const patterns: [RegExp, string][] = [
  [/challenge/i, 'challenge_mismatch'],
  [/origin/i, 'origin_mismatch'],
  [/RP ID/i, 'rp_id_mismatch'],
  [/user verification/i, 'user_not_verified'],
  [/user (was )?not present|user presence/i, 'user_not_present'],
  [/backed up|backup/i, 'backup_flags'],
  [/type/i, 'type_mismatch'],
  [/signature|not verified/i, 'signature_invalid'],
  [/algorithm|alg/i, 'algorithm_not_allowed'],
];

export function refusalReason(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return patterns.find(([re]) => re.test(message))?.[1] ?? 'malformed_response';
}
