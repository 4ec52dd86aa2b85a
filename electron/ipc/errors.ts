/**
 * Turns anything a handler throws into the contract's safe `{code, message}` shape. Only
 * errors we know the wording of reach the renderer; everything else becomes a generic
 * 'internal' error so a stack, a path or a token inside an unexpected message never does.
 */
import { ZodError } from 'zod';
import { ApiError } from '../services/api-client';
import { KeychainUnavailableError } from '../services/token-vault';
import type { IpcError, IpcErrorCode, IpcResult } from './contract';

/** The answer to a caller that failed the sender check (ipc-main and the browser harness). */
export const FORBIDDEN_RESULT: IpcResult<never> = {
  ok: false,
  error: { code: 'forbidden_sender', message: 'This window may not talk to Keybridge.' },
};

/** An error the shell raises on purpose, with words meant for the user. */
export class ShellError extends Error {
  override readonly name = 'ShellError';
  constructor(
    readonly code: IpcErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function toIpcError(e: unknown): IpcError {
  if (e instanceof ShellError) return { code: e.code, message: e.message };
  if (e instanceof ApiError) {
    const out: IpcError = { code: e.code, message: e.message };
    if (e.details.retryAfterSeconds !== undefined) {
      out.retryAfterSeconds = e.details.retryAfterSeconds;
    }
    return out;
  }
  if (e instanceof KeychainUnavailableError)
    return { code: 'keychain_unavailable', message: e.message };
  if (e instanceof ZodError) return { code: 'invalid_arguments', message: describeIssues(e) };
  return { code: 'internal', message: 'Something went wrong inside Keybridge. Please try again.' };
}

/** Field paths and zod's own wording; never the offending values (they may be passwords). */
function describeIssues(e: ZodError): string {
  const parts = e.issues.slice(0, 3).map((i) => {
    const where = i.path.length > 0 ? i.path.join('.') : 'arguments';
    return `${where}: ${i.message}`;
  });
  return `Invalid request (${parts.join('; ')}).`;
}
