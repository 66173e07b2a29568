/**
 * The IPC contract on Electron's main side: one `ipcMain.handle` per command of src/contract.ts. Every call is
 * checked twice before anything runs: the sender must be our window's main frame showing our app, and the arguments
 * must pass the command's zod schema. Replies travel as `{ ok, value | error }` so the renderer gets the plain
 * message (Electron would otherwise wrap it in "Error invoking remote method ..."), the same as in browser mode.
 */
import type { IpcMainInvokeEvent } from 'electron';
import {
  commandNames,
  eventNames,
  isHostCommand,
  parseCommandArgs,
  type CommandName,
  type EventName,
  type Events,
  type ServiceCommandName,
} from '../src/contract.js';
import type { Services } from '../src/services/types.js';
import type { HostHandlers } from '../src/desktop/host-commands.js';
import { APP_ORIGIN } from './protocols.js';
import { errorMessage } from '../src/errors.js';

export type IpcReply = { ok: true; value: unknown } | { ok: false; error: string };

/** The part of ipcMain used here. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<IpcReply>): void;
  removeHandler(channel: string): void;
}

/** The fields of an invoke event the sender check reads. */
export interface SenderInfo {
  sender: unknown;
  senderFrame: { url: string } | null;
}

/** The window the IPC serves, as the sender check sees it. */
export interface TrustedWindow {
  isDestroyed(): boolean;
  webContents: { mainFrame: unknown };
}

/** True for a URL of our app scheme and host (never file:, never a web page, never a preview). */
export function isAppUrl(value: string): boolean {
  try {
    const url = new URL(value);
    // WHATWG gives custom schemes an opaque ("null") origin, so compare scheme and host themselves.
    return `${url.protocol}//${url.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/**
 * Calls are accepted only from the main frame of our window, while it shows our app: not from a subframe, not from
 * another window or webContents, not after a navigation elsewhere (which is blocked anyway).
 */
export function isTrustedSender(event: SenderInfo, window: TrustedWindow | null): boolean {
  if (!window || window.isDestroyed()) return false;
  const frame = event.senderFrame;
  if (!frame || frame !== window.webContents.mainFrame) return false;
  if (event.sender !== window.webContents) return false;
  return isAppUrl(frame.url);
}

export interface IpcOptions {
  ipcMain: IpcMainLike;
  services: Pick<Services, 'invoke'>;
  host: HostHandlers;
  /** The window whose main frame may call; null while there is none. */
  getWindow(): TrustedWindow | null;
  /** Told about refused calls (a foreign sender is worth a line in the log). */
  onRefused?(command: CommandName, reason: string): void;
}

/** Register a handler for every command of the contract; returns the function that removes them all. */
export function registerIpcHandlers(options: IpcOptions): () => void {
  const { ipcMain, services, host } = options;
  for (const command of commandNames) {
    ipcMain.handle(command, async (event, ...args): Promise<IpcReply> => {
      if (!isTrustedSender(event, options.getWindow())) {
        const reason = `Refused ${command}: the caller is not the Titlewave window (${event.senderFrame?.url ?? 'no frame'})`;
        options.onRefused?.(command, reason);
        return { ok: false, error: reason };
      }
      try {
        const parsed = parseCommandArgs(command, args);
        const value = isHostCommand(command)
          ? await (host[command] as (...a: unknown[]) => Promise<unknown>)(...parsed)
          : await services.invoke(command as ServiceCommandName, parsed as never);
        return { ok: true, value };
      } catch (error) {
        return { ok: false, error: errorMessage(error) };
      }
    });
  }
  return () => {
    for (const command of commandNames) ipcMain.removeHandler(command);
  };
}

/** Forward every event the services emit to the window (whatever window is current when it fires). */
export function forwardServiceEvents(services: Pick<Services, 'on'>, send: <E extends EventName>(event: E, payload: Events[E]) => void): () => void {
  const unsubscribes = eventNames.map((event) => services.on(event, (payload) => send(event, payload)));
  return () => {
    for (const unsubscribe of unsubscribes) unsubscribe();
  };
}
