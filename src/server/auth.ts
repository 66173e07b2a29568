/**
 * Who may talk to the browser-mode server: requests for this server's own host name (no DNS rebinding), carrying
 * the token (once, in the URL it printed) or the cookie that token set, and for the WebSocket an Origin of this
 * server (no other site driving it from the user's browser).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export class Gatekeeper {
  /** 256 random bits, URL-safe. */
  readonly token = randomBytes(32).toString('base64url');
  private readonly tokenDigest = digest(this.token);

  constructor(readonly port: number) {}

  /** Cookies are not port-specific, so the name carries the port: two servers on one machine keep their own. */
  get cookieName(): string {
    return `titlewave_${this.port}`;
  }

  /** The hosts this server answers to: `127.0.0.1:<port>` and `localhost:<port>`, nothing else. */
  allowedHost(hostHeader: string | undefined): string | null {
    if (!hostHeader) return null;
    const host = hostHeader.toLowerCase();
    return host === `127.0.0.1:${this.port}` || host === `localhost:${this.port}` ? host : null;
  }

  /** The WebSocket's Origin must be a page this server served. */
  allowedOrigin(origin: string | undefined): boolean {
    if (!origin) return false;
    const value = origin.toLowerCase();
    return value === `http://127.0.0.1:${this.port}` || value === `http://localhost:${this.port}`;
  }

  isToken(candidate: string | null | undefined): boolean {
    if (typeof candidate !== 'string' || candidate.length === 0 || candidate.length > 1024) return false;
    // Compare digests: equal lengths for timingSafeEqual, and no early exit on the first differing byte.
    return timingSafeEqual(digest(candidate), this.tokenDigest);
  }

  hasCookie(request: IncomingMessage): boolean {
    return this.isToken(readCookie(request.headers.cookie, this.cookieName));
  }

  setCookieHeader(): string {
    return `${this.cookieName}=${this.token}; Path=/; HttpOnly; SameSite=Strict`;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
