/**
 * The only main-process file that touches ipcMain (lint-enforced). Registers one handler per
 * contract channel; each call is refused unless it comes from a trusted window's frame on the
 * app's own origin, then goes through dispatch (zod parse, handler, safe error shape).
 * Events go only to trusted windows.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { RequestSchemas, type EventSink, type HandlerMap, type InvokeChannel } from './contract';
import { dispatch, type LogUnexpected } from './dispatch';
import { FORBIDDEN_RESULT } from './errors';
import { isTrustedSender } from './sender';

export type IpcBridge = {
  /** Pushes an event to every trusted, live window. */
  emit: EventSink;
  /** Marks a window the main process created as allowed to call (by webContents id). */
  trust(contents: WebContents): void;
  /** Registers the handlers (once the services that need `emit` exist). */
  register(handlers: HandlerMap): void;
  dispose(): void;
};

export function createIpcBridge(logUnexpected: LogUnexpected): IpcBridge {
  const trusted = new Map<number, WebContents>();
  const channels = Object.keys(RequestSchemas) as InvokeChannel[];

  return {
    emit(channel, payload) {
      for (const contents of trusted.values()) {
        if (!contents.isDestroyed()) contents.send(channel, payload);
      }
    },
    trust(contents) {
      const id = contents.id;
      trusted.set(id, contents);
      contents.once('destroyed', () => trusted.delete(id));
    },
    register(handlers) {
      for (const channel of channels) {
        ipcMain.handle(channel, (event: IpcMainInvokeEvent, ...args: unknown[]) => {
          const frame = event.senderFrame;
          const sender = {
            frameUrl: frame?.url,
            webContentsId: event.sender.id,
            topFrame: frame !== null && frame !== undefined && frame.parent === null,
          };
          if (!isTrustedSender(sender, new Set(trusted.keys()))) return FORBIDDEN_RESULT;
          return dispatch(handlers, channel, args, { senderId: event.sender.id }, logUnexpected);
        });
      }
    },
    dispose() {
      for (const channel of channels) ipcMain.removeHandler(channel);
      trusted.clear();
    },
  };
}
