/**
 * Browser mode over HTTP: the renderer build (index.html with the bridge put in), the bridge script and thumbnail
 * previews, each opened without following links out (files.ts), with the security headers and the CSP; and for a
 * request without this server's token, only a page saying which address to open (refusal.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import type { Services } from '../services/types.js';
import { previewContentType, rendererContentType, rendererFilePath } from '../static-files.js';
import type { Gatekeeper } from './auth.js';
import { openInsideRoot, openPreview, type OpenedFile } from './files.js';
import { BRIDGE_PATH, PREVIEW_PATH } from './protocol.js';
import { refusalPage, refusalPolicy } from './refusal.js';

export function contentSecurityPolicy(host: string): string {
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

export interface HttpFilesOptions {
  gate: Gatekeeper;
  services: Pick<Services, 'previewFile'>;
  /** The renderer build, resolved. */
  rendererDir: string;
  /** The built bridge script, resolved. */
  bridgeFile: string;
}

export function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, { ...commonHeaders, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}

/** The handler of every HTTP request (the WebSocket upgrade aside: see socket.ts). */
export function createHttpFiles(options: HttpFilesOptions): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const { gate, services, rendererDir, bridgeFile } = options;

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

  return async function handleRequest(request, response) {
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
  };
}
