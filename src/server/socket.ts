/**
 * Browser mode's WebSocket: every command of the IPC contract in, every event out, for each page connected to
 * `/t/<token>/ws` (token, Host and Origin checked before the upgrade). Commands are validated against the contract
 * and go to the server's host commands or the services; results travel back as JSON text frames, big ones built in
 * slices (serialize.ts). A page that stops reading is dropped before its backlog grows without bound.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { eventNames, isCommandName, isHostCommand, parseCommandArgs, type EventName, type Events, type ServiceCommandName } from '../contract.js';
import { errorMessage, RefusalError } from '../errors.js';
import { packageInfo } from '../package-info.js';
import type { Services } from '../services/types.js';
import type { Gatekeeper } from './auth.js';
import type { ServerHostCommands } from './host-commands.js';
import { isPageCommand, WS_PATH, type ClientMessage, type ServerMessage } from './protocol.js';
import { stringifyLarge } from './serialize.js';
import type { SettingsFile } from './settings.js';

/** The same limit as the contract's largest argument (titles.start text, 200 MiB), plus room for JSON. */
const MAX_MESSAGE_BYTES = 210 * 1024 * 1024;
/** A client that stops reading is dropped before its backlog of events grows without bound. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

export interface SocketHubOptions {
  gate: Gatekeeper;
  services: Pick<Services, 'invoke' | 'on'>;
  settings: SettingsFile;
  /** The server's host commands (protocol.ts: the page runs the others). */
  hostCommand: ServerHostCommands;
}

export interface SocketHub {
  /** Take an HTTP upgrade request: a WebSocket for a page of this server, refused otherwise. */
  upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void;
  /** Send an event to every connected page. */
  broadcast<E extends EventName>(event: E, payload: Events[E]): void;
  /** Close every socket (politely, then at once after `graceMs`) and stop forwarding events. */
  close(graceMs: number): Promise<void>;
}

export function createSocketHub(options: SocketHubOptions): SocketHub {
  const { gate, services, settings } = options;
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });

  function refuseUpgrade(socket: Socket, status: 401 | 403 | 404, reason: string): void {
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`);
  }

  function sendMessage(ws: WebSocket, message: ServerMessage | string): void {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      // The page stopped reading (a frozen tab): drop it; the bridge reconnects and the renderer reloads state.
      ws.terminate();
      return;
    }
    ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  function broadcast<E extends EventName>(event: E, payload: Events[E]): void {
    if (sockets.size === 0) return;
    const text = JSON.stringify({ type: 'event', event, payload });
    for (const ws of sockets) sendMessage(ws, text);
  }

  const unsubscribes = eventNames.map((event) => services.on(event, (payload) => broadcast(event, payload)));

  function onConnection(ws: WebSocket): void {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('error', () => ws.terminate());
    // Hello goes first, always: the bridge answers app.info from it, so no result may overtake it.
    const helloSent = settings.read().then(({ language }) => sendMessage(ws, { type: 'hello', version: packageInfo.version, language }));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) return ws.close(1003, 'Text frames only');
      const text = data.toString();
      void helloSent.then(() => handleMessage(ws, text));
    });
  }

  async function handleMessage(ws: WebSocket, text: string): Promise<void> {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return ws.close(1007, 'Invalid JSON');
    }
    if (!isClientMessage(message)) return ws.close(1008, 'Unknown message');
    if (message.type === 'ping') return sendMessage(ws, { type: 'pong' });
    const { id, command, args } = message;
    try {
      const value = await invoke(command, args);
      // Big results (a reopened 100,000-row run) are serialized in slices; `undefined` (void commands) is left out.
      const json = await stringifyLarge(value);
      sendMessage(ws, `{"type":"result","id":${id},"ok":true${json === undefined ? '' : `,"value":${json}`}}`);
    } catch (error) {
      sendMessage(ws, { type: 'result', id, ok: false, error: errorMessage(error) });
    }
  }

  async function invoke(command: string, args: unknown[]): Promise<unknown> {
    if (!isCommandName(command)) throw new RefusalError('UNKNOWN_COMMAND', `Unknown command: ${command}`);
    if (isPageCommand(command)) throw new RefusalError('NOT_AVAILABLE', `${command} runs in the page, not on the server`);
    const parsed = parseCommandArgs(command, args);
    if (isHostCommand(command)) return options.hostCommand(command, parsed);
    return services.invoke(command as ServiceCommandName, parsed as never);
  }

  return {
    upgrade(request, socket, head) {
      socket.on('error', () => socket.destroy());
      const host = gate.allowedHost(request.headers.host);
      if (!host) return refuseUpgrade(socket, 403, 'Forbidden');
      let pathname: string;
      try {
        pathname = new URL(request.url ?? '/', `http://${host}`).pathname;
      } catch {
        return refuseUpgrade(socket, 404, 'Not Found');
      }
      const access = gate.checkPath(pathname);
      if (access.kind === 'missing') return refuseUpgrade(socket, 401, 'Unauthorized');
      if (access.kind === 'wrong') return refuseUpgrade(socket, 403, 'Forbidden');
      if (access.kind !== 'ok' || access.rest !== `/${WS_PATH}`) return refuseUpgrade(socket, 404, 'Not Found');
      if (!gate.allowedOrigin(request.headers.origin)) return refuseUpgrade(socket, 403, 'Forbidden');
      wss.handleUpgrade(request, socket, head, (ws) => onConnection(ws));
    },
    broadcast,
    async close(graceMs) {
      for (const unsubscribe of unsubscribes) unsubscribe();
      for (const ws of sockets) ws.close(1001, 'Server shutting down');
      // A WebSocket that does not answer the close ends at once after the grace period.
      setTimeout(() => {
        for (const ws of sockets) ws.terminate();
      }, graceMs).unref();
      await new Promise<void>((resolveClose) => wss.close(() => resolveClose()));
    },
  };
}

function isClientMessage(value: unknown): value is ClientMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  if (message.type === 'ping') return true;
  return message.type === 'invoke' && Number.isSafeInteger(message.id) && typeof message.command === 'string' && Array.isArray(message.args);
}
