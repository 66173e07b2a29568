/**
 * Who may talk to the browser-mode server: requests for this server's own host name (no DNS rebinding), whose path
 * starts with the secret prefix `/t/<token>/`, and for the WebSocket an Origin of this server (no other site driving
 * it from the user's browser).
 *
 * The token lives in the path of every URL the app uses, never in a cookie: cookies are shared by every port of a
 * host (and SameSite cannot tell ports apart), so a cookie would reach any other server on 127.0.0.1 the browser
 * visits. A path is sent to its own origin only, and `Referrer-Policy: no-referrer` keeps it out of Referer headers.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { TOKEN_PATH_PREFIX } from './protocol.js';
import { newToken } from './token-file.js';

/** Where a request path stands against the secret prefix. */
export type PathAccess =
  /** No `/t/<something>` at all: someone typed the bare address. */
  | { kind: 'missing' }
  /** `/t/<token>` with a token that is not this server's (another run of serve, another data folder). */
  | { kind: 'wrong' }
  /** `/t/<token>` without the slash after it: the page's relative URLs need it. */
  | { kind: 'bare' }
  /** The path below the prefix, starting with '/'. */
  | { kind: 'ok'; rest: string };

export class Gatekeeper {
  private readonly tokenDigest: Buffer;

  /** `token`: 256 random bits, URL-safe (a new one unless the caller kept one for its data folder). */
  constructor(
    readonly port: number,
    readonly token: string = newToken(),
  ) {
    this.tokenDigest = digest(token);
  }

  /** The secret prefix every URL of the app lives under. */
  get basePath(): string {
    return `${TOKEN_PATH_PREFIX}${this.token}/`;
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

  /** Check a request's path (still percent-encoded) against the prefix. */
  checkPath(pathname: string): PathAccess {
    if (!pathname.startsWith(TOKEN_PATH_PREFIX)) return { kind: 'missing' };
    const after = pathname.slice(TOKEN_PATH_PREFIX.length);
    const slash = after.indexOf('/');
    const candidate = slash === -1 ? after : after.slice(0, slash);
    if (!this.isToken(candidate)) return candidate === '' ? { kind: 'missing' } : { kind: 'wrong' };
    return slash === -1 ? { kind: 'bare' } : { kind: 'ok', rest: after.slice(slash) };
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
