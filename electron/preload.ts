/**
 * The preload script: the only file in the renderer process that touches ipcRenderer or
 * contextBridge (lint-enforced). It exposes exactly the contract's named methods and event
 * subscriptions as window.keybridge — never ipcRenderer itself, never a generic invoke, never
 * the IPC event object (it carries the sender). Runs sandboxed; electron-vite bundles the
 * import-free name tables (shared/ipc-channels.ts) into it; the contract only lends its types.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { EventChannel, InvokeChannel, KeybridgeApi } from './ipc/contract';
import { API_GLOBAL, ApiEvents, ApiMethods } from './shared/ipc-channels';

function method(channel: InvokeChannel) {
  // Only the one argument the contract allows is forwarded; main parses it with zod.
  return (args?: unknown) =>
    args === undefined ? ipcRenderer.invoke(channel) : ipcRenderer.invoke(channel, args);
}

function subscription(channel: EventChannel) {
  return (listener: (payload: unknown) => void) => {
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const relay = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, relay);
    return () => {
      ipcRenderer.removeListener(channel, relay);
    };
  };
}

const api: Record<string, unknown> = {};
for (const [name, channel] of Object.entries(ApiMethods)) api[name] = method(channel);
for (const [name, channel] of Object.entries(ApiEvents)) api[name] = subscription(channel);

contextBridge.exposeInMainWorld(API_GLOBAL, Object.freeze(api) as KeybridgeApi);
