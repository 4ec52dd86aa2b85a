/**
 * The renderer's only way out: window.keybridge, exposed by the preload (or, in the test
 * harness, by the browser bridge). Results arrive as IpcResult; `call` turns failures into a
 * thrown UiError that keeps the code, so screens can choose the words and the retry.
 */
import type { IpcError, IpcErrorCode, IpcResult, KeybridgeApi } from '../../electron/ipc/contract';

export type { KeybridgeApi };

export class UiError extends Error {
  override readonly name = 'UiError';
  constructor(
    readonly code: IpcErrorCode | 'bridge_missing',
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
  static from(e: IpcError): UiError {
    return new UiError(e.code, e.message, e.retryAfterSeconds);
  }
}

export function api(): KeybridgeApi {
  const bridge = (window as { keybridge?: KeybridgeApi }).keybridge;
  if (!bridge) {
    throw new UiError('bridge_missing', 'Keybridge could not reach its own background process.');
  }
  return bridge;
}

/** Awaits a bridge call and returns its value, or throws a UiError with the server's code. */
export async function call<T>(pending: Promise<IpcResult<T>>): Promise<T> {
  const result = await pending;
  if (result.ok) return result.value;
  throw UiError.from(result.error);
}

export function asUiError(e: unknown): UiError {
  if (e instanceof UiError) return e;
  return new UiError('internal', 'Something went wrong inside Keybridge. Please try again.');
}
