/**
 * The preload (sandboxed, context-isolated; bundled to one CommonJS file): `window.api` is the IPC contract and
 * nothing more. invoke() only for command names of the contract, on() only for its event names (the listener gets
 * the payload, never Electron's event object), pathForFile() for dropped files. No ipcRenderer, no Node.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { isCommandName, isEventName, type Api, type CommandName, type EventName, type Events } from '../src/contract.js';
import type { IpcReply } from './ipc.js';

function isReply(value: unknown): value is IpcReply {
  return typeof value === 'object' && value !== null && typeof (value as { ok?: unknown }).ok === 'boolean';
}

async function invoke(command: CommandName, ...args: unknown[]): Promise<unknown> {
  if (!isCommandName(command)) throw new Error(`Unknown command: ${String(command)}`);
  const reply: unknown = await ipcRenderer.invoke(command, ...args);
  if (!isReply(reply)) throw new Error(`${command}: malformed reply from the main process`);
  if (!reply.ok) throw new Error(reply.error);
  return reply.value;
}

function on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
  if (!isEventName(event)) throw new Error(`Unknown event: ${String(event)}`);
  if (typeof listener !== 'function') throw new TypeError(`The listener of ${event} must be a function`);
  const forward = (_event: IpcRendererEvent, payload: Events[E]): void => listener(payload);
  ipcRenderer.on(event, forward);
  return () => {
    ipcRenderer.removeListener(event, forward);
  };
}

function pathForFile(file: unknown): string | null {
  try {
    // '' for a File that is not on disk (made by a script, pasted from the clipboard).
    return webUtils.getPathForFile(file as File) || null;
  } catch {
    return null;
  }
}

export const api: Api = { invoke: invoke as Api['invoke'], on, pathForFile };

contextBridge.exposeInMainWorld('api', api);
