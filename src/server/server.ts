/**
 * Browser mode's server: the renderer build, the bridge and thumbnail previews over HTTP, and every command and
 * event of the IPC contract over one WebSocket, on 127.0.0.1 only. Every URL lives below the secret prefix
 * `/t/<token>/` (see auth.ts); without it a request gets only a page saying which address to open.
 */
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { availableParallelism, homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import {
  eventNames,
  isCommandName,
  isHostCommand,
  parseCommandArgs,
  type AppInfo,
  type EventName,
  type Events,
  type HostCommandName,
  type Language,
  type ServiceCommandName,
} from '../contract.js';
import { packageInfo, packageRoot } from '../package-info.js';
import type { Services } from '../services/types.js';
import { previewContentType, rendererContentType, rendererFilePath } from '../static-files.js';
import { Gatekeeper } from './auth.js';
import { openWithSystem } from './open.js';
import { openInsideRoot, openPreview, type OpenedFile } from './files.js';
import { BRIDGE_PATH, PREVIEW_PATH, WS_PATH, isPageCommand, type ServerMessage } from './protocol.js';
import { refusalPage, refusalPolicy } from './refusal.js';
import { stringifyLarge } from './serialize.js';
import { SettingsFile } from './settings.js';
import { errorMessage, RefusalError } from '../errors.js';

export interface BrowserServerOptions {
  services: Services;
  /** Where settings.json lives (the same folder as the services' data). */
  dataDir: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** The renderer build (default dist/renderer). */
  rendererDir?: string;
  /** The built bridge script (default dist/web/bridge.js). */
  bridgeFile?: string;
  /** How `shell.openFolder` shows a folder (default: the OS file manager). */
  openFolder?: (path: string) => Promise<void>;
  /** The access token (default: a new random one). `titlewave serve` keeps one per data folder (token-file.ts). */
  token?: string;
}

export interface BrowserServer {
  /** The address to open, token included (`http://127.0.0.1:<port>/t/<token>/`): print it, open it, never log it elsewhere. */
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  readonly token: string;
  /** `/t/<token>/`: every URL of the app lives below it. */
  readonly basePath: string;
  close(): Promise<void>;
}

/** The same limit as the contract's largest argument (titles.start text, 200 MiB), plus room for JSON. */
const MAX_MESSAGE_BYTES = 210 * 1024 * 1024;
/** A client that stops reading is dropped before its backlog of events grows without bound. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;


function contentSecurityPolicy(host: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ws://${host}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

const commonHeaders: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** Put the bridge before the renderer's module script, so `window.api` exists when the renderer starts. */
export function injectBridge(html: string): string {
  const tag = `<script src="./${BRIDGE_PATH}"></script>`;
  const moduleScript = /<script\b[^>]*\btype\s*=\s*["']?module\b/i.exec(html);
  if (moduleScript) return `${html.slice(0, moduleScript.index)}${tag}\n    ${html.slice(moduleScript.index)}`;
  const headEnd = html.search(/<\/head>/i);
  return headEnd === -1 ? `${tag}\n${html}` : `${html.slice(0, headEnd)}${tag}\n${html.slice(headEnd)}`;
}

export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const { services } = options;
  const rendererDir = resolve(options.rendererDir ?? join(packageRoot, 'dist', 'renderer'));
  const bridgeFile = resolve(options.bridgeFile ?? join(packageRoot, 'dist', 'web', 'bridge.js'));
  const openFolder = options.openFolder ?? openWithSystem;
  const settings = new SettingsFile(options.dataDir);
  const sockets = new Set<WebSocket>();
  const connections = new Set<Socket>();
  const unsubscribes: (() => void)[] = [];

  const http = createServer();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });

  await new Promise<void>((resolveListen, rejectListen) => {
    http.once('error', rejectListen);
    http.listen(options.port ?? 0, '127.0.0.1', () => {
      http.off('error', rejectListen);
      resolveListen();
    });
  });
  const address = http.address();
  if (!address || typeof address === 'string') throw new Error('The server has no TCP address');
  const gate = new Gatekeeper(address.port, options.token);
  const origin = `http://127.0.0.1:${gate.port}`;

  // ---- HTTP ----

  function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    response.writeHead(status, { ...commonHeaders, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), ...headers });
    response.end(response.req.method === 'HEAD' ? undefined : body);
  }

  async function sendOpened(response: ServerResponse, opened: OpenedFile | null, type: string, headers: Record<string, string> = {}): Promise<void> {
    if (!opened) return send(response, 404, 'Not found\n');
    const { handle, size } = opened;
    response.writeHead(200, { ...commonHeaders, 'Content-Type': type, 'Content-Length': String(size), ...headers });
    if (response.req.method === 'HEAD') {
      await handle.close();
      return void response.end();
    }
    // Streamed from the descriptor that was checked (see files.ts); the stream closes it.
    const stream = handle.createReadStream();
    stream.once('error', () => response.destroy());
    response.once('close', () => stream.destroy());
    stream.pipe(response);
  }

  async function serveIndex(response: ServerResponse, host: string): Promise<void> {
    const opened = await openInsideRoot(rendererDir, join(rendererDir, 'index.html'));
    if (!opened) return send(response, 503, 'The renderer is not built: run `npm run build`.\n');
    let html: string;
    try {
      html = await opened.handle.readFile('utf8');
    } finally {
      await opened.handle.close();
    }
    send(response, 200, injectBridge(html), { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': contentSecurityPolicy(host) });
  }

  async function servePreview(response: ServerResponse, token: string): Promise<void> {
    const file = services.previewFile(token);
    const type = file ? previewContentType(file.path) : null;
    if (!file || !type) return send(response, 404, 'Not found\n');
    await sendOpened(response, await openPreview(file), type, { 'Content-Security-Policy': "default-src 'none'" });
  }

  async function serveStatic(response: ServerResponse, pathname: string, host: string): Promise<void> {
    const path = rendererFilePath(rendererDir, pathname);
    if (!path) return send(response, 404, 'Not found\n');
    const type = rendererContentType(path);
    await sendOpened(response, await openInsideRoot(rendererDir, path), type, type.startsWith('text/html') ? { 'Content-Security-Policy': contentSecurityPolicy(host) } : {});
  }

  /** The page a browser shows for an address without this server's token: what to do, in English and Chinese. */
  function refuse(response: ServerResponse, access: 'missing' | 'wrong'): void {
    send(response, access === 'missing' ? 401 : 403, refusalPage(access), {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': refusalPolicy,
    });
  }

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const host = gate.allowedHost(request.headers.host);
    if (!host) return send(response, 403, 'Forbidden: this server answers only to 127.0.0.1 and localhost.\n');
    let url: URL;
    try {
      url = new URL(request.url ?? '/', `http://${host}`);
    } catch {
      return send(response, 400, 'Bad request\n');
    }
    const access = gate.checkPath(url.pathname);
    if (access.kind === 'missing' || access.kind === 'wrong') return refuse(response, access.kind);
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, 'Method not allowed\n', { Allow: 'GET, HEAD' });
    // The page's relative URLs (assets, bridge, WebSocket, previews) need the slash after the token.
    if (access.kind === 'bare') return send(response, 308, 'Permanent redirect\n', { Location: `${gate.basePath}${url.search}` });

    const { rest } = access;
    if (rest === '/' || rest === '/index.html') return serveIndex(response, host);
    if (rest === `/${BRIDGE_PATH}`) return sendOpened(response, await openInsideRoot(dirname(bridgeFile), bridgeFile), rendererContentType(bridgeFile));
    if (rest === `/${BRIDGE_PATH}.map`) return sendOpened(response, await openInsideRoot(dirname(bridgeFile), `${bridgeFile}.map`), rendererContentType(`${bridgeFile}.map`));
    if (rest.startsWith(`/${PREVIEW_PATH}`)) return servePreview(response, rest.slice(PREVIEW_PATH.length + 1));
    return serveStatic(response, rest, host);
  }

  http.on('request', (request, response) => {
    handleRequest(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, `Internal error: ${errorMessage(error)}\n`);
      else response.destroy();
    });
  });
  http.on('connection', (socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });

  // ---- WebSocket ----

  function refuseUpgrade(socket: Socket, status: 401 | 403 | 404, reason: string): void {
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n`);
  }

  http.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
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
  });

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

  for (const event of eventNames) unsubscribes.push(services.on(event, (payload) => broadcast(event, payload)));

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
    if (!isInvokeMessage(message)) return ws.close(1008, 'Unknown message');
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
    if (isHostCommand(command)) return hostCommand(command, parsed);
    return services.invoke(command as ServiceCommandName, parsed as never);
  }

  async function hostCommand(command: HostCommandName, args: unknown[]): Promise<unknown> {
    switch (command) {
      case 'app.info': {
        const { language } = await settings.read();
        const info: AppInfo = {
          version: packageInfo.version,
          platform: process.platform,
          // The bridge replaces this with the browser's language when the user has not chosen one.
          language: language ?? 'en',
          nativeDialogs: false,
          cpus: availableParallelism(),
          homeDir: homedir(),
        };
        return info;
      }
      case 'app.setLanguage': {
        const language = args[0] as Language;
        await settings.write({ language });
        broadcast('app.languageChanged', { language });
        return undefined;
      }
      case 'shell.openFolder': {
        const path = args[0] as string;
        let isFolder = false;
        try {
          isFolder = (await stat(path)).isDirectory();
        } catch {
          // missing: reported below
        }
        if (!isFolder) throw new RefusalError('NOT_A_FOLDER', `Not an existing folder: ${path}`);
        await openFolder(path);
        return undefined;
      }
      default:
        throw new RefusalError('NOT_AVAILABLE', `${command} runs in the page, not on the server`);
    }
  }

  let closing: Promise<void> | null = null;
  return {
    url: `${origin}${gate.basePath}`,
    origin,
    port: gate.port,
    token: gate.token,
    basePath: gate.basePath,
    close() {
      closing ??= (async () => {
        for (const unsubscribe of unsubscribes) unsubscribe();
        for (const ws of sockets) ws.close(1001, 'Server shutting down');
        await new Promise<void>((resolveClose) => wss.close(() => resolveClose()));
        const closed = new Promise<void>((resolveClose) => http.close(() => resolveClose()));
        http.closeIdleConnections();
        // Sockets still open (a download in progress, a WebSocket that did not answer the close) end now.
        setTimeout(() => {
          for (const ws of sockets) ws.terminate();
          for (const socket of connections) socket.destroy();
        }, 500).unref();
        await closed;
      })();
      return closing;
    },
  };
}

function isInvokeMessage(value: unknown): value is { type: 'invoke'; id: number; command: string; args: unknown[] } {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Record<string, unknown>;
  return message.type === 'invoke' && Number.isSafeInteger(message.id) && typeof message.command === 'string' && Array.isArray(message.args);
}
