/**
 * The two schemes the window loads from. `app://titlewave/` serves the renderer build (dist/renderer) and nothing
 * else, with the CSP as a response header; `titlewave-preview://thumb/<token>` serves a thumbnail the services wrote,
 * found only through `services.previewFile(token)`: no path ever travels in a URL. Files are opened as browser mode
 * opens them (src/server/files.ts): a renderer file only when it is a regular file whose real path is inside the
 * build, a preview only when its path still names the file the services wrote, each checked on the descriptor that is
 * read, so a symlink cannot widen what is served. file:// is never used, so the GrantFileProtocolExtraPrivileges fuse
 * can stay off.
 */
import type { CustomScheme, Protocol } from 'electron';
import { openInsideRoot, openPreview, type OpenedFile } from '../src/server/files.js';
import type { PreviewFile } from '../src/services/previews.js';
import { previewContentType, rendererContentType, rendererFilePath } from '../src/static-files.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'titlewave';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;
export const PREVIEW_SCHEME = 'titlewave-preview';
export const PREVIEW_HOST = 'thumb';

/** Registered before the app is ready: standard (real origins), secure (no mixed content), no CSP bypass. */
export const privilegedSchemes: CustomScheme[] = [
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true } },
  { scheme: PREVIEW_SCHEME, privileges: { standard: true, secure: true } },
];

/**
 * The renderer's policy. No inline script, no eval, nothing from the network: the page talks to the main process only
 * through the preload. Previews come from their own scheme. The same policy is in index.html as a meta tag;
 * the header makes it hold even if that tag were lost.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  `img-src 'self' data: blob: ${PREVIEW_SCHEME}:`,
  "font-src 'self' data:",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "frame-src 'none'",
  "object-src 'none'",
].join('; ');


const commonHeaders = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/**
 * The file of the renderer build an `app://titlewave/...` URL names, or null: another host, a dotfile, a parent
 * step, an encoded separator or NUL, or anything resolving outside the build folder.
 */
export function appFilePath(rendererDir: string, requestUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null;
  return rendererFilePath(rendererDir, url.pathname);
}

/** The preview token a `titlewave-preview://thumb/<token>` URL carries, or null. */
export function previewToken(requestUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${PREVIEW_SCHEME}:` || url.host !== PREVIEW_HOST) return null;
  const token = url.pathname.slice(1);
  return /^[A-Za-z0-9_-]{1,100}$/.test(token) ? token : null;
}

function notFound(): Response {
  return new Response('Not found', { status: 404, headers: { ...commonHeaders, 'Content-Type': 'text/plain; charset=utf-8' } });
}

/** The opened file's bytes (renderer assets and thumbnails are small), read from the descriptor that was checked. */
async function fileResponse(opened: OpenedFile | null, type: string, headers: Record<string, string>): Promise<Response> {
  if (!opened) return notFound();
  let body: Buffer;
  try {
    body = await opened.handle.readFile();
  } catch {
    return notFound();
  } finally {
    await opened.handle.close();
  }
  return new Response(new Uint8Array(body), { status: 200, headers: { ...commonHeaders, ...headers, 'Content-Type': type } });
}

export async function handleAppRequest(rendererDir: string, request: Request): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('Method not allowed', { status: 405, headers: commonHeaders });
  const path = appFilePath(rendererDir, request.url);
  if (!path) return notFound();
  return fileResponse(await openInsideRoot(rendererDir, path), rendererContentType(path), {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'Cross-Origin-Opener-Policy': 'same-origin',
  });
}

/** The file behind a preview token (the services' `previewFile`), or null for a token they did not issue. */
export type PreviewLookup = (token: string) => PreviewFile | null;

export async function handlePreviewRequest(previewFile: PreviewLookup, request: Request): Promise<Response> {
  if (request.method !== 'GET') return new Response('Method not allowed', { status: 405, headers: commonHeaders });
  const token = previewToken(request.url);
  const file = token ? previewFile(token) : null;
  const type = file ? previewContentType(file.path) : null;
  if (!file || !type) return notFound();
  return fileResponse(await openPreview(file), type, { 'Content-Security-Policy': "default-src 'none'" });
}

/** Install both handlers on a session's protocol object (after the app is ready). */
export function handleProtocols(protocol: Pick<Protocol, 'handle'>, rendererDir: string, previewFile: PreviewLookup): void {
  protocol.handle(APP_SCHEME, (request) => handleAppRequest(rendererDir, request));
  protocol.handle(PREVIEW_SCHEME, (request) => handlePreviewRequest(previewFile, request));
}
