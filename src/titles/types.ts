/** Public types of the titles engine, shared by the CLI, the services, the IPC contract and the renderer. */
import type { RenderMode } from './render/renderer.js';

/** Documented error codes of a title record (see docs/titles.md "Error codes"); the app shows each in its language. */
export const titleErrorCodes = [
  'INVALID_URL',
  'DNS',
  'CONNECT',
  'TLS',
  'TIMEOUT',
  'RESET',
  'TOO_MANY_REDIRECTS',
  'REDIRECT_LOOP',
  'NOT_HTML',
  'TOO_LARGE',
  'PROTOCOL',
  'ABORTED',
  'NETWORK',
  'PROXY',
  'ROBOTS',
] as const;
export type TitleErrorCode = (typeof titleErrorCodes)[number];

/**
 * Warnings of a record whose title was still found: render mode's (docs/titles.md, "Render mode"); the app shows each
 * in its language.
 * - RENDER_UNSETTLED: the page was rendered, but its title or its requests were still changing at the render deadline.
 * - RENDER_FAILED: the render failed (the browser crashed, the page could not be loaded); the title is the static one.
 * - RENDER_UNAVAILABLE: the page needed rendering but no browser was found; the title is the static one.
 */
export const titleWarningCodes = ['RENDER_UNSETTLED', 'RENDER_FAILED', 'RENDER_UNAVAILABLE'] as const;
export type TitleWarningCode = (typeof titleWarningCodes)[number];

export interface RecordError<Code extends string = string> {
  code: Code;
  message: string;
}

/** Where the encoding used to decode the page came from (WHATWG encoding sniffing order). */
export type EncodingSource = 'bom' | 'http' | 'meta' | 'default';

export interface RedirectHop {
  /** The URL that answered with a redirect. */
  url: string;
  status: number;
}

/** One record per distinct input URL, streamed as soon as it is known. */
export interface TitleRecord {
  /** 0-based position of this URL among the job's distinct inputs (stable across resume and retry). */
  index: number;
  /** The input line as given (trimmed). */
  url: string;
  finalUrl: string | null;
  status: number | null;
  /** `document.title` as a browser shows it; null when there is no title element or no page. */
  title: string | null;
  ogTitle: string | null;
  description: string | null;
  canonical: string | null;
  lang: string | null;
  contentType: string | null;
  /** WHATWG encoding name used to decode the page (e.g. "GBK", "windows-1252"), null when no body was decoded. */
  encoding: string | null;
  encodingSource: EncodingSource | null;
  redirects: RedirectHop[];
  /** Bytes read from the network (compressed, as on the wire). */
  bytes: number;
  durationMs: number;
  attempts: number;
  error: RecordError<TitleErrorCode> | null;
  /** The title in the HTML as served, before any script ran (equal to `title` unless the page was rendered). */
  staticTitle: string | null;
  /** `title` is what a browser engine showed once the page settled (render mode), not the static one. */
  rendered: boolean;
  /** How long the render took (null when the page was not rendered). */
  renderMs: number | null;
  /** Something to know about a title that was still found (render mode). */
  warning: RecordError<TitleWarningCode> | null;
}

export interface TitlesOptions {
  /** Requests in flight across all hosts (default 64). */
  concurrency: number;
  /** Requests in flight per host (default 6). */
  perHost: number;
  /** Deadline of each attempt in milliseconds: connect, headers, redirects, body, decoding and parsing (default 15000). */
  timeoutMs: number;
  /** Retries after the first attempt, for retryable failures and 429 or 5xx answers (default 2). */
  retries: number;
  userAgent: string;
  /** Extra request headers. */
  headers: Record<string, string>;
  /** Redirects followed before TOO_MANY_REDIRECTS (default 10). */
  maxRedirects: number;
  /** Most bytes of a body ever read, decompressed (default 4 MiB). */
  maxBodyBytes: number;
  /** First retry waits about this long, doubling each time, with jitter (default 500). */
  retryBaseMs: number;
  /** Longest wait before a retry, Retry-After included (default 10000). */
  maxRetryDelayMs: number;
  /**
   * Where requests go: `direct`, `environment` (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY; the default) or a proxy
   * URL (http://, https://, socks5://, socks5h://; credentials in the URL).
   */
  proxy: string;
  /** robots.txt: `ignore` (the default: the user chose the URLs) or `respect` (ROBOTS records, Crawl-delay). */
  robots: 'respect' | 'ignore';
  /** Requests per second per host (a fraction below 1: one per 1/N s); null: no limit (the default). */
  rate: number | null;
  /** Render pages in a browser engine: `auto` only those whose static title looks like an app shell's (default). */
  render: RenderMode;
  /** Pages rendered at once (default 2). */
  renderers: number;
  /** Deadline of one render in milliseconds (default 10000). */
  renderTimeoutMs: number;
}

export interface TitlesProgress {
  /** Distinct URLs known so far (grows while input streams in; final once `inputDone`). */
  total: number;
  inputDone: boolean;
  done: number;
  failed: number;
  inFlight: number;
  /** Records per second over a recent window. */
  rate: number;
  /** Estimated milliseconds left; null when unknown. */
  etaMs: number | null;
  elapsedMs: number;
  /** Input lines that repeated an earlier URL and were not fetched again. */
  duplicates: number;
  paused: boolean;
}

export interface TitlesSummary extends TitlesProgress {
  cancelled: boolean;
  /** Event-loop delay p99 over the run, in milliseconds. */
  eventLoopDelayP99Ms: number;
}
