/** Passkey rows as the API shows them. */
import type { PasskeyRow } from '../db/schema';
import type { PasskeyView } from '../protocol/api';
import { providerName } from './aaguid-names';

export function passkeyView(row: PasskeyRow, sessionPasskeyId: string | null): PasskeyView {
  return {
    id: row.id,
    credentialId: row.credential_id,
    name: row.name,
    providerName: providerName(row.aaguid),
    aaguid: row.aaguid,
    createdAt: new Date(row.created_at).toISOString(),
    lastUsedAt: row.last_used_at === null ? null : new Date(row.last_used_at).toISOString(),
    backupEligible: row.backup_eligible === 1,
    backedUp: row.backed_up === 1,
    kind: row.backup_eligible === 1 ? 'synced' : 'device-bound',
    transports: JSON.parse(row.transports) as string[],
    usedForThisSession: sessionPasskeyId === row.id,
  };
}
