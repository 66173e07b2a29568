/**
 * The list-mode settings of a titles run, checked the same way everywhere (the contract's schema, the CLI, the engine,
 * the settings panel): where requests go (`proxy`), robots.txt, and requests per second per host. Browser-safe: no
 * Node module, so the renderer validates with it as the user types.
 */
import { errorMessage } from '../errors.js';

/** Requests go straight to the sites. */
export const DIRECT = 'direct';
/** Requests go as HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY say (directly when they are unset). */
export const ENVIRONMENT = 'environment';

const proxySchemes = new Set(['http:', 'https:', 'socks5:', 'socks5h:']);

/** A proxy URL that cannot be used; its message never repeats the URL (it may hold a password). */
export class ProxySettingError extends Error {
  override readonly name = 'ProxySettingError';
}

/**
 * The proxy URL of a setting, checked: a scheme of http, https, socks5 or socks5h, a host, an optional port, user
 * and password, and nothing else (no path, query or fragment).
 */
export function parseProxyUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ProxySettingError('expected a proxy URL such as http://proxy.example:3128 or socks5://127.0.0.1:1080');
  }
  if (!proxySchemes.has(url.protocol)) throw new ProxySettingError(`a proxy URL starts with http://, https://, socks5:// or socks5h:// (not ${url.protocol}//)`);
  if (url.hostname === '') throw new ProxySettingError('the proxy URL has no host');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') throw new ProxySettingError('a proxy URL has no path, query or fragment: only scheme://[user:password@]host[:port]');
  return url;
}

/** Whether a proxy setting is usable: `direct`, `environment` or a proxy URL. The problem, or null. */
export function proxySettingProblem(setting: string): string | null {
  if (setting === DIRECT || setting === ENVIRONMENT) return null;
  try {
    parseProxyUrl(setting);
    return null;
  } catch (error) {
    return errorMessage(error);
  }
}

/** A proxy as it may be shown: scheme, host and port, never the credentials. */
export function describeProxy(url: URL): string {
  const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '1080';
  return `${url.protocol}//${url.hostname}:${port}`;
}

/** A bare host:port in a proxy variable means http://, as curl takes it. */
export function withScheme(value: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
}

/** The environment's proxy variables that are set but unusable, as a message naming the variable; null when fine. */
export function environmentProxyProblem(env: Readonly<Record<string, string | undefined>>): string | null {
  for (const name of ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY']) {
    const value = env[name]?.trim();
    if (value === undefined || value === '') continue;
    const problem = proxySettingProblem(withScheme(value));
    if (problem !== null) return `${name}: ${problem}`;
  }
  return null;
}

/** Whether the environment names a proxy for http or https (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, either case). */
export function environmentHasProxy(env: Readonly<Record<string, string | undefined>>): boolean {
  return ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY'].some((name) => (env[name]?.trim() ?? '') !== '');
}

/** Whether a run with this proxy setting can send requests through a proxy (a URL, or one the environment names). */
export function goesThroughProxy(setting: string, env: Readonly<Record<string, string | undefined>>): boolean {
  return setting !== DIRECT && (setting !== ENVIRONMENT || environmentHasProxy(env));
}
