/** Network failures -> the documented error codes of a title record, and whether trying again may help. */
import type { TitleErrorCode } from './types.js';

export interface Failure {
  code: TitleErrorCode;
  message: string;
  retryable: boolean;
}

export function failure(code: TitleErrorCode, message: string, retryable = false): Failure {
  return { code, message, retryable };
}

/** Node/undici error codes along the error's cause chain (the useful one is often a cause). */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && cause.message !== error.message ? `${error.message}: ${cause.message}` : error.message;
}

const tlsCode = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|ERR_OSSL_)/;

/** The proxy's own failure along the cause chain (src/titles/proxy.ts tags them), or null. */
function proxyFailureOf(error: unknown): Failure | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if ((current as { code?: unknown }).code === 'TITLEWAVE_PROXY') return failure('PROXY', current.message, (current as { retryable?: boolean }).retryable === true);
    current = (current as { cause?: unknown }).cause;
  }
  if (!(error instanceof Error)) return null;
  // undici's ProxyAgent: the answer to CONNECT (https through an http proxy), and a forwarding proxy's 407.
  const status = /Proxy response \((\d{3})\) !== 200/.exec(error.message)?.[1];
  if (status === '407') return failure('PROXY', 'the proxy refused the tunnel: it wants credentials, or rejected them (407 Proxy Authentication Required)');
  if (status !== undefined && status.startsWith('5')) return failure('CONNECT', `the proxy could not connect to the site (it answered ${status} to CONNECT)`, true);
  if (status !== undefined) return failure('PROXY', `the proxy refused the tunnel (it answered ${status} to CONNECT)`);
  if (/Proxy Authentication Required/.test(error.message)) return failure('PROXY', 'the proxy refused the request: it wants credentials, or rejected them (407 Proxy Authentication Required)');
  return null;
}

/** Map a thrown network error to a record error. */
export function classifyNetworkError(error: unknown): Failure {
  const proxy = proxyFailureOf(error);
  if (proxy !== null) return proxy;
  const codes = errorCodes(error);
  const has = (...wanted: string[]): boolean => codes.some((code) => wanted.includes(code));
  const detail = describe(error);
  if (has('ENOTFOUND', 'EAI_NONAME', 'EAI_NODATA', 'EAI_FAIL')) return failure('DNS', `host not found (${detail})`);
  if (has('EAI_AGAIN')) return failure('DNS', `DNS lookup failed for now (${detail})`, true);
  if (has('ECONNREFUSED')) return failure('CONNECT', `connection refused (${detail})`, true);
  if (has('EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'ENETDOWN', 'EHOSTDOWN', 'UND_ERR_CONNECT_TIMEOUT'))
    return failure('CONNECT', `could not connect (${detail})`, true);
  if (codes.some((code) => tlsCode.test(code)) || /\b(SSL|TLS)\b/.test(detail)) return failure('TLS', `TLS failed (${detail})`);
  if (has('UND_ERR_HEADERS_OVERFLOW')) return failure('TOO_LARGE', 'response headers are too large');
  if (has('UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT')) return failure('TIMEOUT', `timed out (${detail})`, true);
  if (has('ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH'))
    return failure('RESET', `connection closed or reset before the answer was complete (${detail})`, true);
  if (codes.some((code) => code.startsWith('HPE_')) || has('UND_ERR_INFO', 'UND_ERR_NOT_SUPPORTED', 'ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN'))
    return failure('PROTOCOL', `invalid HTTP response (${detail})`);
  if (codes.some((code) => code.startsWith('Z_') || code.startsWith('ERR_BROTLI') || code === 'ERR__ERROR_FORMAT_PADDING_1'))
    return failure('PROTOCOL', `could not decompress the body (${detail})`);
  return failure('NETWORK', detail, true);
}

/** HTTP statuses worth another try: the server failed or says "not now" (429 and every 5xx). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/** Retry-After as milliseconds from now (delta seconds or an HTTP date), or null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') return null;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
