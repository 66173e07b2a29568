/**
 * The browser-mode wire protocol between the bridge (src/server/client/bridge.ts, in the page) and the server, as
 * JSON text frames over one WebSocket. No Node or DOM imports: both sides compile it.
 */
import type { CommandName, EventName, Events, Language } from '../contract.js';

/**
 * Every URL of the app lives below the secret prefix `/t/<access token>/` (the address `titlewave serve` prints), so
 * the token travels in paths, which browsers send to their own origin only. The paths below are relative to it.
 */
export const TOKEN_PATH_PREFIX = '/t/';
/** The WebSocket, below the prefix. */
export const WS_PATH = 'ws';
/** The bridge script, below the prefix (injected into index.html before the renderer's module script). */
export const BRIDGE_PATH = 'bridge.js';
/** Thumbnail previews: `preview/<preview token>` below the prefix, only for tokens the services issued. */
export const PREVIEW_PATH = 'preview/';

export interface InvokeMessage {
  type: 'invoke';
  /** Chosen by the bridge; echoed in the result. */
  id: number;
  command: CommandName;
  args: unknown[];
}
/**
 * The bridge's heartbeat: a server that is stopped or hung (SIGSTOP, a busy loop) keeps its socket open, so only an
 * answer proves it is there. The server answers each ping with a pong at once.
 */
export interface PingMessage {
  type: 'ping';
}
export type ClientMessage = InvokeMessage | PingMessage;

/** How often the bridge pings, and how long it waits for any message before it says the connection is lost. */
export const HEARTBEAT_EVERY_MS = 1000;
export const HEARTBEAT_TIMEOUT_MS = 4000;

export type ServerMessage =
  /** First message on every connection. `language` is the user's saved choice, null when they have not chosen. */
  | { type: 'hello'; version: string; language: Language | null }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: string }
  | { type: 'pong' }
  | { [E in EventName]: { type: 'event'; event: E; payload: Events[E] } }[EventName];

/** Host commands the bridge implements inside the page (they need the page: dialogs, downloads, new tabs). */
export const pageCommands = [
  'dialog.openTextFiles',
  'dialog.saveText',
  'dialog.choosePaths',
  'dialog.chooseFolder',
  'dialog.chooseSaveFile',
  'dialog.openSitemapFile',
  'dialog.saveBytes',
  'shell.openExternal',
] as const satisfies readonly CommandName[];
export type PageCommandName = (typeof pageCommands)[number];

export function isPageCommand(command: string): command is PageCommandName {
  return (pageCommands as readonly string[]).includes(command);
}
