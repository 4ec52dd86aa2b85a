/**
 * One call from the renderer, whatever carried it (Electron IPC in ipc-main.ts, Playwright's
 * exposeBinding in the browser harness): parse the argument with the contract's schema, run
 * the handler, and answer an IpcResult. Never throws, so a bad call cannot crash the main
 * process or leave the renderer with an error that lost its code.
 */
import {
  RequestSchemas,
  type CallContext,
  type HandlerMap,
  type InvokeChannel,
  type IpcResult,
  type Responses,
} from './contract';
import { ShellError, toIpcError } from './errors';

export function isInvokeChannel(channel: unknown): channel is InvokeChannel {
  return typeof channel === 'string' && Object.hasOwn(RequestSchemas, channel);
}

export type LogUnexpected = (channel: string, error: unknown) => void;

export async function dispatch<C extends InvokeChannel>(
  handlers: HandlerMap,
  channel: C,
  rawArgs: readonly unknown[],
  ctx: CallContext,
  logUnexpected: LogUnexpected = () => undefined,
): Promise<IpcResult<Responses[C]>> {
  try {
    // Every method takes at most one argument object; extra positional values are a misuse.
    if (rawArgs.length > 1)
      throw new ShellError('invalid_arguments', 'Invalid request (too many arguments).');
    const parsed = RequestSchemas[channel].safeParse(rawArgs[0]);
    if (!parsed.success) throw parsed.error;
    const handler = handlers[channel] as (args: unknown, ctx: CallContext) => Promise<Responses[C]>;
    const value = await handler(parsed.data, ctx);
    return { ok: true, value };
  } catch (e) {
    const error = toIpcError(e);
    if (error.code === 'internal') logUnexpected(channel, e);
    return { ok: false, error };
  }
}
