/**
 * Table types for the one typed query layer (Kysely). Times are epoch milliseconds
 * (integers) so expiry checks are plain comparisons in every dialect.
 */
import type { Generated, Insertable, Selectable } from 'kysely';

export type UsersTable = {
  id: string;
  email: string;
  password_hash: string;
  /** WebAuthn user handle: random 32 bytes, base64url. Never the email (spec: no PII). */
  webauthn_user_id: string;
  totp_secret: string | null;
  /** Secret offered by /2fa/totp/setup, promoted to totp_secret on /confirm. */
  totp_pending_secret: string | null;
  /** Last accepted TOTP time step, so one code cannot be used twice. */
  totp_last_step: number | null;
  created_at: number;
};

export type RecoveryCodesTable = {
  id: string;
  user_id: string;
  code_hash: string;
  used_at: number | null;
};

export type SessionsTable = {
  id: string;
  user_id: string;
  client: 'web' | 'desktop';
  device: string;
  method: 'password' | 'passkey' | 'qr';
  passkey_id: string | null;
  ip: string;
  user_agent: string | null;
  /** SHA-256 of the cookie token (web) or of the current access token (desktop). */
  token_hash: string;
  token_expires_at: number;
  created_at: number;
  last_active_at: number;
  elevated_until: number | null;
  /** How the live step-up was made (migration 0002); a passkey also allows a password reset. */
  elevated_by: 'password' | 'passkey' | null;
  revoked_at: number | null;
};

export type RefreshTokensTable = {
  token_hash: string;
  /** The session is the token family: reuse of any used token revokes the session. */
  session_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
};

export type PasskeysTable = {
  id: string;
  user_id: string;
  credential_id: string;
  /** COSE public key, base64url. */
  public_key: string;
  counter: number;
  transports: string;
  aaguid: string;
  backup_eligible: number;
  backed_up: number;
  uv_initialized: number;
  name: string;
  created_at: number;
  last_used_at: number | null;
};

export type ActivityTable = {
  id: string;
  seq: Generated<number>;
  user_id: string;
  type: string;
  at: number;
  ip: string | null;
  user_agent: string | null;
  details: string;
};

export type Database = {
  users: UsersTable;
  recovery_codes: RecoveryCodesTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  passkeys: PasskeysTable;
  activity: ActivityTable;
};

export type UserRow = Selectable<UsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type PasskeyRow = Selectable<PasskeysTable>;
export type NewPasskey = Insertable<PasskeysTable>;
