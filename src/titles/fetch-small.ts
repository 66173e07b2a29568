/**
 * A whole small resource over undici's dispatch API: robots.txt files and sitemaps. Redirects are followed by hand,
 * the body is kept up to a cap (the rest is not read: the connection is dropped), and one deadline covers the whole
 * exchange. Each request is announced (`beforeRequest`) and reported when undici writes it (`written`), so a run's
 * pacing counts these requests too. Node only.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { classifyNetworkError, failure, type Failure } from './errors.js';
import { redirectStatuses, redirectTarget, withoutCredentialHeaders } from './redirects.js';
import { toError } from '../errors.js';

export interface SmallFetchOptions {
  dispatcher: Dispatcher;
  /** Request headers (user agent, accept, accept-encoding), flat or as an object. */
  headers: string[] | Record<string, string>;
  /** One deadline for every hop and the body. */
  timeoutMs: number;
  /** Body bytes kept, as on the wire; a longer body is cut there (`truncated`). */
  maxBytes: number;
  maxRedirects: number;
  signal?: AbortSignal;
  /** Before the request to `host` (`from`: the host of the hop before, or null for the first): false cancels. */
  beforeRequest?(from: string | null, host: string): Promise<boolean>;
  /** The request to `host` was written (`sent`), or ended without being written. */
  written?(host: string, sent: boolean): void;
}

export interface SmallResponse {
  /** The URL that answered last. */
  url: string;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body was longer than maxBytes. */
  truncated: boolean;
}

/** A failed fetch: the record-style failure, or a cancel (`beforeRequest` said no, or the signal). */
export class SmallFetchError extends Error {
  constructor(
    readonly failure: Failure | null,
    message = failure?.message ?? 'cancelled',
  ) {
    super(message);
  }
}

class Collector implements Dispatcher.DispatchHandler {
  status = 0;
  headers: IncomingHttpHeaders = {};
  readonly chunks: Buffer[] = [];
  length = 0;
  truncated = false;
  readonly done: Promise<void>;
  #resolve!: () => void;
  #reject!: (error: Error) => void;
  #controller: Dispatcher.DispatchController | null = null;
  #abortReason: Error | null = null;
  #settled = false;

  constructor(
    private readonly maxBytes: number,
    private onWritten: ((sent: boolean) => void) | null,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  #report(sent: boolean): void {
    const report = this.onWritten;
    this.onWritten = null;
    report?.(sent);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    this.#report(this.#abortReason === null);
    if (this.#abortReason !== null) controller.abort(this.#abortReason);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    if (status < 200) return;
    this.status = status;
    this.headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.truncated) return;
    const room = this.maxBytes - this.length;
    if (chunk.length > room) {
      if (room > 0) this.chunks.push(chunk.subarray(0, room));
      this.length = this.maxBytes;
      this.truncated = true;
      // Enough: the rest is not read.
      this.#finish();
      controller.abort(new Error('body cap reached'));
      return;
    }
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  onResponseEnd(): void {
    this.#finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#report(false);
    if (this.#settled) return;
    this.#settled = true;
    this.#reject(error);
  }

  #finish(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve();
  }

  abort(reason: Error): void {
    if (this.#settled) return;
    this.#abortReason ??= reason;
    if (this.#controller !== null) {
      this.#controller.abort(reason);
      return;
    }
    // Not written yet, and it never will be (onRequestStart aborts it): settle now rather than after the connect.
    this.#report(false);
    this.#settled = true;
    this.#reject(reason);
  }
}

class Deadline extends Error {}

/**
 * Fetch `url` whole (up to maxBytes), following redirects; credentials in the headers are dropped for good once a
 * redirect leaves the origin. Throws SmallFetchError.
 */
export async function fetchSmall(url: string, options: SmallFetchOptions): Promise<SmallResponse> {
  let current = new URL(url);
  let headers = options.headers;
  let from: string | null = null;
  const visited = new Set<string>();
  let active: Collector | null = null;
  const aborted = (): boolean => options.signal?.aborted === true;
  const deadline = { passed: false };
  const timer = setTimeout(() => {
    deadline.passed = true;
    active?.abort(new Deadline());
  }, options.timeoutMs);
  const onAbort = (): void => active?.abort(new Error('cancelled'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (let hop = 0; ; hop += 1) {
      if (aborted()) throw new SmallFetchError(null);
      if (deadline.passed) throw new SmallFetchError(failure('TIMEOUT', `no complete answer within ${options.timeoutMs / 1000} s`, true));
      visited.add(current.href);
      if (options.beforeRequest !== undefined && !(await options.beforeRequest(from, current.host))) throw new SmallFetchError(null);
      const host = current.host;
      const written = options.written;
      const collector: Collector = new Collector(options.maxBytes, written === undefined ? null : (sent) => written(host, sent));
      active = collector;
      try {
        options.dispatcher.dispatch({ origin: current.origin, path: `${current.pathname}${current.search}`, method: 'GET', headers, headersTimeout: 0, bodyTimeout: 0 }, collector);
      } catch (error) {
        collector.onResponseError(null as unknown as Dispatcher.DispatchController, toError(error));
      }
      try {
        await collector.done;
      } catch (error) {
        if (aborted()) throw new SmallFetchError(null);
        if (deadline.passed) throw new SmallFetchError(failure('TIMEOUT', `no complete answer within ${options.timeoutMs / 1000} s`, true));
        throw new SmallFetchError(classifyNetworkError(error));
      }
      const location = collector.headers.location;
      if (redirectStatuses.has(collector.status) && location !== undefined) {
        const next = redirectTarget(Array.isArray(location) ? (location[0] as string) : location, current);
        if (!(next instanceof URL)) throw new SmallFetchError(next);
        if (visited.has(next.href)) throw new SmallFetchError(failure('REDIRECT_LOOP', `redirect loop: ${next.href} was already visited`));
        if (hop + 1 > options.maxRedirects) throw new SmallFetchError(failure('TOO_MANY_REDIRECTS', `more than ${options.maxRedirects} redirects`));
        if (next.origin !== current.origin) headers = withoutCredentialHeaders(headers);
        from = host;
        current = next;
        continue;
      }
      return { url: current.href, status: collector.status, headers: collector.headers, body: Buffer.concat(collector.chunks), truncated: collector.truncated };
    }
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    active?.abort(new Error('done'));
  }
}
