/**
 * A title record's error in the user's language. The engine writes each error as a code and an English message made
 * from a few fixed sentences with details in them (seconds, a content type, a URL, the system's own error text); here
 * each sentence is recognised by its pattern and said again from the i18n tables with those details as parameters.
 * What the system said (e.g. "getaddrinfo ENOTFOUND example.invalid") is kept, verbatim, as the technical detail.
 * Render warnings are said the same way. tests/e2e/i18n-errors.test.ts checks every `failure(...)` sentence and every
 * warning in src/titles against these patterns.
 */
import type { RecordError, TitleErrorCode, TitleWarningCode } from '../../src/titles/types.js';
import type { Translator } from '../i18n/index.js';
import type { titlesMessages } from '../i18n/titles.js';

type Key = keyof (typeof titlesMessages)['en'] & string;
type T = Translator<(typeof titlesMessages)['en']>;

interface Variant {
  /** Named groups are the message's parameters; a group named `detail` is the technical detail. */
  pattern: RegExp;
  key: Key;
}

/** Each code's short name (the grid, the filters) and its sentence when no variant matches. */
export const errorLabelKeys: Record<TitleErrorCode, Key> = {
  INVALID_URL: 'errINVALID_URL',
  DNS: 'errDNS',
  CONNECT: 'errCONNECT',
  TLS: 'errTLS',
  TIMEOUT: 'errTIMEOUT',
  RESET: 'errRESET',
  TOO_MANY_REDIRECTS: 'errTOO_MANY_REDIRECTS',
  REDIRECT_LOOP: 'errREDIRECT_LOOP',
  NOT_HTML: 'errNOT_HTML',
  TOO_LARGE: 'errTOO_LARGE',
  PROTOCOL: 'errPROTOCOL',
  ABORTED: 'errABORTED',
  NETWORK: 'errNETWORK',
  PROXY: 'errPROXY',
  ROBOTS: 'errROBOTS',
};

/** The engine's sentences (src/titles/errors.ts, fetch.ts, input.ts), by code. */
export const errorVariants: Record<TitleErrorCode, readonly Variant[]> = {
  INVALID_URL: [
    { pattern: /^unsupported scheme "(?<scheme>[^"]*?):?"/, key: 'invalidScheme' },
    { pattern: /^not a URL \(free text\)$/, key: 'invalidFreeText' },
    { pattern: /^not a URL \(no scheme, and it does not look like a host name\)$/, key: 'invalidNoHostName' },
    { pattern: /^not a URL \(user info without a scheme\)$/, key: 'invalidUserInfo' },
    { pattern: /^no host after the scheme$/, key: 'invalidNoHost' },
    { pattern: /^malformed URL$/, key: 'invalidMalformed' },
  ],
  DNS: [
    { pattern: /^host not found \((?<detail>.*)\)$/s, key: 'errDnsNotFound' },
    { pattern: /^DNS lookup failed for now \((?<detail>.*)\)$/s, key: 'errDnsTemporary' },
  ],
  CONNECT: [
    { pattern: /^connection refused \((?<detail>.*)\)$/s, key: 'errConnectRefused' },
    { pattern: /^could not connect \((?<detail>.*)\)$/s, key: 'errConnectUnreachable' },
    { pattern: /^the proxy could not connect to the site \(it answered (?<status>\d+) to CONNECT\)$/, key: 'errConnectThroughProxy' },
  ],
  TLS: [{ pattern: /^TLS failed \((?<detail>.*)\)$/s, key: 'errTlsFailed' }],
  TIMEOUT: [
    { pattern: /^no complete answer within (?<seconds>[\d.]+) s$/, key: 'errTimeoutDeadline' },
    { pattern: /^timed out \((?<detail>.*)\)$/s, key: 'errTimeoutStalled' },
  ],
  RESET: [{ pattern: /^connection closed or reset before the answer was complete \((?<detail>.*)\)$/s, key: 'errResetEarly' }],
  TOO_MANY_REDIRECTS: [{ pattern: /^more than (?<count>\d+) redirects$/, key: 'errTooManyRedirects' }],
  REDIRECT_LOOP: [{ pattern: /^redirect loop: (?<url>.*) was already visited$/s, key: 'errRedirectLoop' }],
  NOT_HTML: [
    { pattern: /^not an HTML page \(no Content-Type, and the body does not look like HTML\)$/, key: 'errNotHtmlUntyped' },
    { pattern: /^not an HTML page \((?<type>[^)]*)\)$/, key: 'errNotHtmlType' },
  ],
  TOO_LARGE: [
    { pattern: /^response headers are too large$/, key: 'errHeadersTooLarge' },
    { pattern: /^no title in the first (?<size>\d+) KiB$/, key: 'errNoTitleInFirst' },
    { pattern: /^no title before the markup nested more than (?<depth>\d+) elements deep$/, key: 'errNestedTooDeep' },
  ],
  PROTOCOL: [
    { pattern: /^invalid HTTP response \((?<detail>.*)\)$/s, key: 'errInvalidHttp' },
    { pattern: /^could not decompress the body \((?<detail>.*)\)$/s, key: 'errDecompress' },
    { pattern: /^unsupported Content-Encoding "(?<coding>.*)"$/s, key: 'errContentEncoding' },
    { pattern: /^(?<count>\d+) content codings \(at most (?<max>\d+) are undone\)$/, key: 'errTooManyCodings' },
    { pattern: /^redirect to an invalid URL: (?<url>.*)$/s, key: 'errRedirectInvalid' },
    { pattern: /^redirect to a non-http\(s\) URL: (?<scheme>.*)$/s, key: 'errRedirectScheme' },
  ],
  ABORTED: [],
  NETWORK: [],
  // src/titles/errors.ts, fetch.ts and proxy.ts (the proxy as scheme://host:port, never its credentials).
  PROXY: [
    { pattern: /^the proxy refused the request: it wants credentials \(407 Proxy Authentication Required\)$/, key: 'errProxyWantsCredentials' },
    { pattern: /^the proxy refused the (?:tunnel|request): it wants credentials, or rejected them \(407 Proxy Authentication Required\)$/, key: 'errProxyCredentials' },
    { pattern: /^the proxy refused the tunnel \(it answered (?<status>\d+) to CONNECT\)$/, key: 'errProxyTunnel' },
    { pattern: /^the proxy (?<proxy>\S+) refused the connection$/, key: 'errProxyRefused' },
    { pattern: /^the proxy's host name (?<proxy>\S+) does not resolve$/, key: 'errProxyDns' },
    { pattern: /^the proxy (?<proxy>\S+) did not answer in time$/, key: 'errProxyTimeout' },
    { pattern: /^the proxy (?<proxy>\S+) closed the connection$/, key: 'errProxyClosed' },
    { pattern: /^the proxy (?<proxy>\S+) cannot be reached$/, key: 'errProxyUnreachable' },
    { pattern: /^the proxy (?<proxy>\S+) rejected the user name or password$/, key: 'errProxyAuth' },
    { pattern: /^the proxy (?<proxy>\S+) wants credentials \(none were accepted\)$/, key: 'errProxyNoAuth' },
    { pattern: /^the TLS connection to the proxy (?<proxy>\S+) failed \((?<detail>.*)\)$/s, key: 'errProxyTls' },
    { pattern: /^the proxy (?<proxy>\S+) does not allow a connection to (?<host>\S+)$/, key: 'errProxyNotAllowed' },
    { pattern: /^the proxy (?<proxy>\S+) could not connect to (?<host>\S+) \((?<detail>\w+)\)$/, key: 'errProxyCouldNotConnect' },
    { pattern: /^the proxy (?<proxy>\S+) failed: (?<detail>.*)$/s, key: 'errProxyFailed' },
  ],
  // src/titles/robots.ts.
  ROBOTS: [
    { pattern: /^robots\.txt disallows it for (?<token>\S+)(?: \(line (?<line>\d+)\))?$/, key: 'errRobotsDisallowed' },
    { pattern: /^robots\.txt could not be fetched \((?<detail>.*)\), so the site counts as disallowing everything \(RFC 9309\)$/s, key: 'errRobotsUnreachable' },
    { pattern: /^robots\.txt answered (?<status>\d+), so the site counts as disallowing everything \(RFC 9309\)$/, key: 'errRobotsStatus' },
  ],
};

/** Each render warning's short name and its sentence when no variant matches. */
export const warningLabelKeys: Record<TitleWarningCode, Key> = {
  RENDER_UNSETTLED: 'warnRENDER_UNSETTLED',
  RENDER_FAILED: 'warnRENDER_FAILED',
  RENDER_UNAVAILABLE: 'warnRENDER_UNAVAILABLE',
};

/** The engine's warning sentences (src/titles/engine.ts), by code. */
export const warningVariants: Record<TitleWarningCode, readonly Variant[]> = {
  RENDER_UNSETTLED: [{ pattern: /^the title was still changing, or requests still going, after (?<seconds>[\d.]+) s; this is the title at that moment$/, key: 'warnUnsettled' }],
  RENDER_FAILED: [{ pattern: /^the page could not be rendered \((?<detail>.*)\); this is its static title$/s, key: 'warnFailed' }],
  RENDER_UNAVAILABLE: [
    { pattern: /^this page needs a browser engine to show its title, and none was found$/, key: 'warnUnavailable' },
    { pattern: /^this page needs a browser engine to show its title, and render mode does not go through a proxy$/, key: 'warnUnavailableProxy' },
  ],
};

export interface ErrorText {
  /** The code's short name. */
  label: string;
  /** The whole sentence, with its details. */
  text: string;
  /** What the system or the server said, verbatim; null when the sentence says it all. */
  detail: string | null;
}

/** A code's error or warning said from its variants (an unknown code, from a newer engine, as the engine wrote it). */
function describe(t: T, error: RecordError, labelKeys: Record<string, Key>, variants: Record<string, readonly Variant[]>): ErrorText {
  if (!Object.hasOwn(labelKeys, error.code)) return { label: error.code, text: error.message, detail: null };
  const label = t(labelKeys[error.code]!);
  for (const variant of variants[error.code]!) {
    const match = variant.pattern.exec(error.message);
    if (!match) continue;
    const { detail, ...params } = match.groups ?? {};
    return { label, text: t(variant.key, params), detail: detail ?? null };
  }
  return { label, text: label, detail: error.message === '' ? null : error.message };
}

/** The error of a record in the user's language (an unknown code, from a newer engine, as the engine wrote it). */
export function describeTitleError(t: T, error: RecordError): ErrorText {
  return describe(t, error, errorLabelKeys, errorVariants);
}

/** The render warning of a record in the user's language. */
export function describeTitleWarning(t: T, warning: RecordError): ErrorText {
  return describe(t, warning, warningLabelKeys, warningVariants);
}

/** The reason an input line is not fetched (src/titles/input.ts), in the user's language. */
export function invalidReasonText(t: T, reason: string): string {
  return describeTitleError(t, { code: 'INVALID_URL', message: reason }).text;
}
