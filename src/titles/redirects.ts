/**
 * The rules every fetch of a run follows on a redirect, pages and small resources (robots.txt, sitemaps) alike: where
 * a Location may lead, and which request headers may go along.
 */
import { failure, type Failure } from './errors.js';

export const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** Request headers that carry credentials: not sent on to another origin after a redirect (as browsers and fetch do). */
const credentialHeaders = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** `headers` without Authorization, Cookie and Proxy-Authorization (any case), flat or as an object. */
export function withoutCredentialHeaders(headers: string[]): string[];
export function withoutCredentialHeaders(headers: string[] | Record<string, string>): string[] | Record<string, string>;
export function withoutCredentialHeaders(headers: string[] | Record<string, string>): string[] | Record<string, string> {
  if (Array.isArray(headers)) {
    const kept: string[] = [];
    for (let i = 0; i + 1 < headers.length; i += 2) {
      const name = headers[i] as string;
      if (!credentialHeaders.has(name.toLowerCase())) kept.push(name, headers[i + 1] as string);
    }
    return kept;
  }
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !credentialHeaders.has(name.toLowerCase())));
}

/** Where a redirect's Location leads from `base`, without its fragment; a PROTOCOL failure when it is no http(s) URL. */
export function redirectTarget(location: string, base: string | URL): URL | Failure {
  let next: URL;
  try {
    next = new URL(location, base);
  } catch {
    return failure('PROTOCOL', `redirect to an invalid URL: ${location.slice(0, 200)}`);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') return failure('PROTOCOL', `redirect to a non-http(s) URL: ${next.protocol}`);
  next.hash = '';
  return next;
}
