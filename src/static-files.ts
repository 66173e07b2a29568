/**
 * What both hosts serve, decided once: files of the renderer build (Electron's app:// scheme, browser mode's HTTP
 * server) and thumbnail previews (only the formats the services write).
 */
import { extname, resolve, sep } from 'node:path';

const rendererTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The thumbnail formats the services write; nothing else is ever served as a preview. */
const previewTypes: Record<string, string> = {
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.avif': 'image/avif',
};

export function rendererContentType(path: string): string {
  return rendererTypes[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

/** The content type of a preview, or null for a file that is not a thumbnail format (never served). */
export function previewContentType(path: string): string | null {
  return previewTypes[extname(path).toLowerCase()] ?? null;
}

/**
 * The file of the renderer build a URL path (still percent-encoded) names, or null: a bad encoding, a dotfile, a
 * backslash, NUL or colon in a segment, or anything resolving outside the build folder. The root is index.html.
 */
export function rendererFilePath(rendererDir: string, encodedPathname: string): string | null {
  let pathname: string;
  try {
    pathname = decodeURIComponent(encodedPathname);
  } catch {
    return null;
  }
  const segments = pathname.split('/').filter(Boolean);
  if (segments.length === 0) segments.push('index.html');
  if (segments.some((segment) => segment.startsWith('.') || segment.includes('\\') || segment.includes('\0') || segment.includes(':'))) return null;
  const root = resolve(rendererDir);
  const path = resolve(root, ...segments);
  return path.startsWith(root + sep) ? path : null;
}
