/**
 * The names of the IPC surface, and nothing else: method on window.keybridge -> invoke
 * channel, subscription -> event channel, and the global. Plain data with no imports, so the
 * sandboxed preload bundles it without pulling zod or the server's schemas in (the contract,
 * electron/ipc/contract.ts, adds the schemas and types and checks these names against its
 * channels). The one copy: the preload and the main side both import it from here.
 */

/** The global the preload exposes. */
export const API_GLOBAL = 'keybridge';

/** Method name on window.keybridge -> invoke channel. The preload builds one function per entry. */
export const ApiMethods = {
  getAppInfo: 'app:info',
  getSession: 'session:get',
  /** try the keychain session again (e.g. after "server unreachable") */
  restoreSession: 'session:restore',
  getKeychainStatus: 'keychain:status',
  startQrSignIn: 'qr:start',
  cancelQr: 'qr:cancel',
  submitReverseCode: 'qr:submitCode',
  /** answers "Is this your phone?" while adding a passkey; no cancels the flow */
  confirmPhone: 'qr:confirmPhone',
  /** copies the sign-in QR link to the clipboard from the main process ("Can't scan?") */
  copyQrLink: 'qr:copyLink',
  signInWithPassword: 'auth:password',
  signOut: 'auth:signOut',
  stepUp: 'auth:stepUp',
  /** starts a QR flow with purpose 'step-up': the phone's passkey confirms this session */
  startStepUpWithPhone: 'auth:stepUpStart',
  getAccount: 'account:me',
  /** needs a recent stepUp; other sessions of the account are signed out */
  changePassword: 'account:changePassword',
  listPasskeys: 'passkeys:list',
  renamePasskey: 'passkeys:rename',
  deletePasskey: 'passkeys:delete',
  /** starts a QR flow with purpose 'add-passkey' (needs a recent stepUp) */
  startAddPasskey: 'passkeys:addStart',
  setupTotp: 'totp:setup',
  confirmTotp: 'totp:confirm',
  disableTotp: 'totp:disable',
  listSessions: 'sessions:list',
  revokeSession: 'sessions:revoke',
  revokeOtherSessions: 'sessions:revokeOthers',
  listActivity: 'activity:list',
  openExternal: 'shell:openExternal',
} as const;

/** Subscription name on window.keybridge -> event channel. */
export const ApiEvents = {
  onQrState: 'qr:state',
  onSessionChanged: 'session:changed',
  onKeychainStatus: 'keychain:status',
} as const;
