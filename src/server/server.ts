/**
 * Browser mode's server: the renderer build, the bridge and thumbnail previews over HTTP (http-files.ts), and every
 * command and event of the IPC contract over one WebSocket (socket.ts; the server's host commands in
 * host-commands.ts), on 127.0.0.1 only. Every URL lives below the secret prefix `/t/<token>/` (see auth.ts);
 * without it a request gets only a page saying which address to open.
 */
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { errorMessage } from '../errors.js';
import { packageRoot } from '../package-info.js';
import type { Services } from '../services/types.js';
import { Gatekeeper } from './auth.js';
import { createServerHostCommands } from './host-commands.js';
import { createHttpFiles, send } from './http-files.js';
import { openWithSystem } from './open.js';
import { SettingsFile } from './settings.js';
import { createSocketHub } from './socket.js';

export { injectBridge } from './http-files.js';

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

/** Sockets still open at close (a download in progress, a WebSocket that did not answer the close) end after this. */
const CLOSE_GRACE_MS = 500;

export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const { services } = options;
  const rendererDir = resolve(options.rendererDir ?? join(packageRoot, 'dist', 'renderer'));
  const bridgeFile = resolve(options.bridgeFile ?? join(packageRoot, 'dist', 'web', 'bridge.js'));
  const settings = new SettingsFile(options.dataDir);
  const connections = new Set<Socket>();

  const http = createServer();
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

  const handleRequest = createHttpFiles({ gate, services, rendererDir, bridgeFile });
  const hub = createSocketHub({
    gate,
    services,
    settings,
    hostCommand: (command, args) => hostCommand(command, args),
  });
  const hostCommand = createServerHostCommands({ settings, openFolder: options.openFolder ?? openWithSystem, broadcast: hub.broadcast });

  http.on('request', (request, response) => {
    handleRequest(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, `Internal error: ${errorMessage(error)}\n`);
      else response.destroy();
    });
  });
  http.on('upgrade', hub.upgrade);
  http.on('connection', (socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });

  let closing: Promise<void> | null = null;
  return {
    url: `${origin}${gate.basePath}`,
    origin,
    port: gate.port,
    token: gate.token,
    basePath: gate.basePath,
    close() {
      closing ??= (async () => {
        await hub.close(CLOSE_GRACE_MS);
        const closed = new Promise<void>((resolveClose) => http.close(() => resolveClose()));
        http.closeIdleConnections();
        setTimeout(() => {
          for (const socket of connections) socket.destroy();
        }, CLOSE_GRACE_MS).unref();
        await closed;
      })();
      return closing;
    },
  };
}
