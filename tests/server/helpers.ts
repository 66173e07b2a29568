/** Shared pieces of the browser-mode server tests: a scripted Services, a tiny renderer build, raw HTTP requests. */
import { lstatSync } from 'node:fs';
import { request } from 'node:http';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { EventName, Events, ServiceCommandName } from '../../src/contract.js';
import { EventHub } from '../../src/services/events.js';
import type { PreviewFile } from '../../src/services/previews.js';
import type { Services } from '../../src/services/types.js';

/** Services whose commands the test scripts: each call is recorded, and `handlers` answers it (or it throws). */
export class ScriptedServices implements Services {
  readonly calls: { command: ServiceCommandName; args: unknown[] }[] = [];
  readonly hub = new EventHub();
  /** Preview tokens and the file each stood for when it was added (see `addPreview`). */
  readonly previews = new Map<string, PreviewFile>();
  handlers: Partial<Record<ServiceCommandName, (args: unknown[]) => unknown>> = {};
  closed = false;

  async invoke(command: ServiceCommandName, args: unknown[]): Promise<never> {
    this.calls.push({ command, args });
    const handler = this.handlers[command];
    if (!handler) throw new Error(`${command} is not scripted`);
    return (await handler(args)) as never;
  }

  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
    return this.hub.on(event, listener);
  }

  emit<E extends EventName>(event: E, payload: Events[E]): void {
    this.hub.emit(event, payload);
  }

  /** A preview of the file `path` names now, as the services issue one for an output they just wrote. */
  addPreview(token: string, path: string): void {
    let identity = { dev: -1n, ino: -1n };
    try {
      const info = lstatSync(path, { bigint: true });
      identity = { dev: info.dev, ino: info.ino };
    } catch {
      // missing: a file that can never match
    }
    this.previews.set(token, { path, ...identity });
  }

  resolvePreview(token: string): string | null {
    return this.previews.get(token)?.path ?? null;
  }

  /** As issued, without the registry's own re-check: the server's check of the opened file is what is tested. */
  previewFile(token: string): PreviewFile | null {
    return this.previews.get(token) ?? null;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A renderer build the way Vite makes one: index.html with a module script and an asset. */
export async function makeRendererDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'titlewave-renderer-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(
    join(dir, 'index.html'),
    '<!doctype html>\n<html lang="en">\n  <head>\n    <meta charset="UTF-8" />\n    <title>Titlewave</title>\n    <script type="module" crossorigin src="./assets/index-abc.js"></script>\n  </head>\n  <body><div id="root"></div></body>\n</html>\n',
  );
  // A stand-in for the renderer: shows whether window.api was there first, and offers a button that opens files
  // from inside a click, as the Titles tab does.
  await writeFile(
    join(dir, 'assets', 'index-abc.js'),
    [
      'const root = document.getElementById("root");',
      'root.textContent = typeof window.api;',
      'const button = document.createElement("button");',
      'button.id = "open"; button.textContent = "Open";',
      'button.addEventListener("click", () => { window.opened = window.api.invoke("dialog.openTextFiles"); });',
      'document.body.append(button);',
      '',
    ].join('\n'),
  );
  await writeFile(join(dir, '.secret'), 'dotfiles are never served');
  return dir;
}

/** The bridge as `npm run build` made it (scripts/build-web.mjs; `npm test` builds first). */
export const builtBridgeFile = join(import.meta.dirname, '..', '..', 'dist', 'web', 'bridge.js');

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** An HTTP request with exactly the headers given (Host included), as a browser or an attacker would send it. */
export function rawGet(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { Host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Open the server's WebSocket (at `path`) with the given headers; resolves with the socket, or with the refusal's status. */
export function openSocket(
  port: number,
  headers: Record<string, string>,
  host = `127.0.0.1:${port}`,
  path = '/ws',
): Promise<{ ws: WebSocket; log: MessageLog } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers: { Host: host, ...headers } });
    // Listen from the start: the server's first frame can arrive with the upgrade answer, before 'open' resolves.
    const log = new MessageLog(ws);
    ws.once('open', () => resolve({ ws, log }));
    ws.once('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', (error) => reject(error));
  });
}

/** Collect a socket's JSON messages; `next(predicate)` waits for the first (past or future) one matching. */
export class MessageLog {
  readonly messages: Record<string, unknown>[] = [];
  private waiters: { predicate: (m: Record<string, unknown>) => boolean; resolve: (m: Record<string, unknown>) => void }[] = [];

  constructor(ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      this.messages.push(message);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.predicate(message)) return true;
        waiter.resolve(message);
        return false;
      });
    });
  }

  next(predicate: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    const found = this.messages.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }));
  }
}
