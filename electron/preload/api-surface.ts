/**
 * The names the preload needs — method -> invoke channel, subscription -> event channel, the
 * global — and nothing else. electron/ipc/contract.ts imports zod and the server's protocol
 * schemas; the preload validates nothing (main parses every call), so bundling the contract
 * put ~180 KB of zod into every renderer start. Types come from the contract (erased at build);
 * test/electron/preload/preload.test.ts checks these tables equal the contract's.
 */
import type { EventChannel, InvokeChannel } from '../ipc/contract';

export const API_GLOBAL = 'keybridge';

export const ApiMethods = {
  getAppInfo: 'app:info',
  getSession: 'session:get',
  restoreSession: 'session:restore',
  getKeychainStatus: 'keychain:status',
  startQrSignIn: 'qr:start',
  cancelQr: 'qr:cancel',
  submitReverseCode: 'qr:submitCode',
  copyQrLink: 'qr:copyLink',
  confirmPhone: 'qr:confirmPhone',
  signInWithPassword: 'auth:password',
  signOut: 'auth:signOut',
  stepUp: 'auth:stepUp',
  getAccount: 'account:me',
  listPasskeys: 'passkeys:list',
  renamePasskey: 'passkeys:rename',
  deletePasskey: 'passkeys:delete',
  startAddPasskey: 'passkeys:addStart',
  setupTotp: 'totp:setup',
  confirmTotp: 'totp:confirm',
  disableTotp: 'totp:disable',
  listSessions: 'sessions:list',
  revokeSession: 'sessions:revoke',
  revokeOtherSessions: 'sessions:revokeOthers',
  listActivity: 'activity:list',
  openExternal: 'shell:openExternal',
} as const satisfies Record<string, InvokeChannel>;

export const ApiEvents = {
  onQrState: 'qr:state',
  onSessionChanged: 'session:changed',
  onKeychainStatus: 'keychain:status',
} as const satisfies Record<string, EventChannel>;
