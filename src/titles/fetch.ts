/**
 * One attempt at one URL: request, follow redirects by hand, decompress within a cap, and feed the body to a
 * PageReader until it knows the answer; all under one deadline that also ends bodies that drip forever.
 */
import { Readable, type Transform } from 'node:stream';
import zlib from 'node:zlib';
import { request, type Dispatcher } from 'undici';
import { isHtmlType, isUnknownType, parseContentType } from './charset.js';
import { classifyNetworkError, failure, isRetryableStatus, parseRetryAfter, type Failure } from './errors.js';
import { PageReader, type PageResult } from './page.js';
import type { RedirectHop, TitlesOptions } from './types.js';

const redirectStatuses = new Set([301, 302, 303, 307, 308]);
/** After the answer is known, read up to this much more so the connection can be reused; beyond it, close it. */
const drainLimit = 64 * 1024;
/** Parse at most this much text per event-loop turn, so a big head or a long search for a title never blocks it. */
const sliceBytes = 16 * 1024;

/**
 * Give the reader a network chunk in growing slices (4, 8, then 16 KiB): most heads end in the first few KiB, and
 * what the reader never sees is never decoded. Past one slice per turn, the event loop gets a turn in between.
 */
async function pushInSlices(reader: PageReader, bytes: Uint8Array): Promise<void> {
  let size = reader.bytes === 0 ? 4096 : sliceBytes;
  let inThisTurn = 0;
  for (let offset = 0; offset < bytes.length && reader.wantsMore; offset += size, size = Math.min(size * 2, sliceBytes)) {
    if (inThisTurn >= sliceBytes) {
      await new Promise((resolve) => setImmediate(resolve));
      inThisTurn = 0;
    }
    reader.push(bytes.subarray(offset, offset + size));
    inThisTurn += size;
  }
}

export interface AttemptContext {
  dispatcher: Dispatcher;
  options: TitlesOptions;
  headers: Record<string, string>;
  /** Move the slot this request holds to another host (cross-host redirect); false when the run is closing. */
  moveHost(from: string, to: string): Promise<boolean>;
}

export interface AttemptResult {
  finalUrl: string;
  status: number | null;
  contentType: string | null;
  redirects: RedirectHop[];
  /** Body bytes read from the network, as on the wire. */
  bytes: number;
  page: PageResult | null;
  error: Failure | null;
  /** What the server asked for with Retry-After, in milliseconds. */
  retryAfterMs: number | null;
  /** The host whose slot this request holds now (redirects move it); null when the slot was already given back. */
  host: string | null;
  /** The run was cancelled during the attempt: no record. */
  cancelled: boolean;
}

/** The abort reason when the whole-request deadline passes (made only then: an Error costs a stack trace). */
class Deadline extends Error {}

/** Resolve when `stream` emits one of `events`, or when the attempt is aborted. */
function settle(stream: NodeJS.EventEmitter, events: string[], signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      for (const event of events) stream.off(event, done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    for (const event of events) stream.on(event, done);
    signal.addEventListener('abort', done);
  });
}

function decodersFor(contentEncoding: string | string[] | undefined): Transform[] | Failure {
  const header = Array.isArray(contentEncoding) ? contentEncoding.join(',') : (contentEncoding ?? '');
  const codings = header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  const decoders: Transform[] = [];
  // Codings are listed in the order they were applied: undo them last to first.
  for (const coding of codings.reverse()) {
    // Inflated pieces of sliceBytes reach the parser one event-loop turn at a time.
    const flush = { finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize: sliceBytes };
    if (coding === 'gzip' || coding === 'x-gzip' || coding === 'deflate') decoders.push(zlib.createUnzip(flush));
    else if (coding === 'br') decoders.push(zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH, chunkSize: sliceBytes }));
    else return failure('PROTOCOL', `unsupported Content-Encoding "${coding}"`);
  }
  return decoders;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The attempts in flight, aborted together on cancel. (One listener on the run's signal for all of them: an
 * AbortSignal's removeEventListener walks its listeners, which costs a lot at thousands of requests a second.)
 */
export class AttemptGroup {
  readonly #active = new Set<AbortController>();
  constructor(readonly signal: AbortSignal) {
    signal.addEventListener('abort', () => {
      for (const controller of this.#active) controller.abort(signal.reason);
    });
  }
  add(controller: AbortController): void {
    if (this.signal.aborted) controller.abort(this.signal.reason);
    else this.#active.add(controller);
  }
  delete(controller: AbortController): void {
    this.#active.delete(controller);
  }
}

export async function runAttempt(url: string, host: string, ctx: AttemptContext, group: AttemptGroup): Promise<AttemptResult> {
  const { options } = ctx;
  const jobSignal = group.signal;
  const result: AttemptResult = { finalUrl: url, status: null, contentType: null, redirects: [], bytes: 0, page: null, error: null, retryAfterMs: null, host, cancelled: false };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Deadline()), options.timeoutMs);
  group.add(controller);
  const signal = controller.signal;
  const visited = new Set([url]);
  let currentUrl = url;

  try {
    for (;;) {
      const response = await request(currentUrl, {
        dispatcher: ctx.dispatcher,
        method: 'GET',
        headers: ctx.headers,
        signal,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      result.finalUrl = currentUrl;
      result.status = response.statusCode;
      const location = headerValue(response.headers.location);
      if (redirectStatuses.has(response.statusCode) && location !== undefined) {
        await drain(response.body, response.headers['content-length'], result, signal);
        result.redirects.push({ url: currentUrl, status: response.statusCode });
        let next: URL;
        try {
          next = new URL(location, currentUrl);
        } catch {
          result.error = failure('PROTOCOL', `redirect to an invalid URL: ${location.slice(0, 200)}`);
          return result;
        }
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          result.error = failure('PROTOCOL', `redirect to a non-http(s) URL: ${next.protocol}`);
          return result;
        }
        next.hash = '';
        if (visited.has(next.href)) {
          result.finalUrl = next.href;
          result.error = failure('REDIRECT_LOOP', `redirect loop: ${next.href} was already visited`);
          return result;
        }
        if (result.redirects.length > options.maxRedirects) {
          result.finalUrl = next.href;
          result.error = failure('TOO_MANY_REDIRECTS', `more than ${options.maxRedirects} redirects`);
          return result;
        }
        visited.add(next.href);
        if (next.host !== result.host && result.host !== null) {
          const moved = await ctx.moveHost(result.host, next.host);
          result.host = moved ? next.host : null;
          if (!moved) {
            result.cancelled = true;
            return result;
          }
        }
        currentUrl = next.href;
        continue;
      }

      if (isRetryableStatus(response.statusCode)) result.retryAfterMs = parseRetryAfter(response.headers['retry-after']);
      const contentType = parseContentType(response.headers['content-type']);
      result.contentType = contentType?.raw ?? null;
      if (contentType !== null && !isUnknownType(contentType) && !isHtmlType(contentType.essence ?? '')) {
        await drain(response.body, response.headers['content-length'], result, signal);
        result.error = failure('NOT_HTML', `not an HTML page (${contentType.essence})`);
        return result;
      }
      const decoders = decodersFor(response.headers['content-encoding']);
      if (!Array.isArray(decoders)) {
        response.body.destroy();
        result.error = decoders;
        return result;
      }
      const reader = new PageReader(currentUrl, contentType, options.maxBodyBytes);
      await readBody(response.body, decoders, reader, response.headers['content-length'], result, signal);
      const page = reader.end();
      result.page = page;
      if (!page.html) result.error = failure('NOT_HTML', 'not an HTML page (no Content-Type, and the body does not look like HTML)');
      else if (page.capped && page.title === null) result.error = failure('TOO_LARGE', `no title in the first ${Math.round(options.maxBodyBytes / 1024)} KiB`);
      return result;
    }
  } catch (error) {
    if (jobSignal.aborted) result.cancelled = true;
    else if (signal.aborted && signal.reason instanceof Deadline) result.error = failure('TIMEOUT', `no complete answer within ${options.timeoutMs / 1000} s`, true);
    else result.error = classifyNetworkError(error);
    result.page = null;
    return result;
  } finally {
    clearTimeout(timer);
    group.delete(controller);
  }
}

function contentLengthOf(header: string | string[] | undefined): number | null {
  const value = headerValue(header);
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : null;
}

/** Read and drop a body we do not need, if it is small (keeps the connection); otherwise close it. */
async function drain(body: Readable, lengthHeader: string | string[] | undefined, result: AttemptResult, signal: AbortSignal): Promise<void> {
  const length = contentLengthOf(lengthHeader);
  if (length === null || length > drainLimit) {
    body.destroy();
    return;
  }
  try {
    for await (const chunk of body) {
      result.bytes += (chunk as Buffer).length;
      if (signal.aborted) break;
    }
  } catch {
    // A broken body we were going to drop anyway.
  }
}

/**
 * Feed the body through its decoders into the reader until the reader knows the answer, then keep the connection
 * if little is left. Throws network errors only while the answer is still unknown.
 */
async function readBody(body: Readable, decoders: Transform[], reader: PageReader, lengthHeader: string | string[] | undefined, result: AttemptResult, signal: AbortSignal): Promise<void> {
  const length = contentLengthOf(lengthHeader);
  let received = 0;
  let drained = 0;
  let decodeError: unknown = null;
  const first = decoders[0];
  const last = decoders[decoders.length - 1];
  const stopDecoders = (): void => {
    for (const decoder of decoders) decoder.destroy();
  };
  if (first !== undefined && last !== undefined) {
    for (let i = 0; i + 1 < decoders.length; i += 1) (decoders[i] as Transform).pipe(decoders[i + 1] as Transform);
    for (const decoder of decoders) decoder.on('error', (error: unknown) => (decodeError ??= error));
    last.on('data', (chunk: Buffer) => {
      if (reader.wantsMore) reader.push(chunk);
      // The inflated-bytes cap: once the reader has enough, inflating stops.
      if (!reader.wantsMore) stopDecoders();
    });
  }

  try {
    for await (const chunk of body) {
      const bytes = chunk as Buffer;
      result.bytes += bytes.length;
      received += bytes.length;
      if (reader.wantsMore && decodeError === null) {
        if (first === undefined) await pushInSlices(reader, bytes);
        else if (!first.write(bytes)) await settle(first, ['drain', 'close', 'error'], signal);
        if (reader.wantsMore && decodeError === null) continue;
        if (decodeError !== null && reader.wantsMore) break;
      } else {
        drained += bytes.length;
      }
      // The answer is known: read on only if little is left, so the connection can serve the next request.
      if (length !== null ? length - received > drainLimit : drained > drainLimit) break;
    }
    if (first !== undefined && last !== undefined && reader.wantsMore && decodeError === null && !first.destroyed) {
      first.end();
      await settle(last, ['end', 'close', 'error'], signal);
    }
  } catch (error) {
    if (reader.wantsMore) throw error;
  } finally {
    stopDecoders();
    if (!body.destroyed && !body.readableEnded) body.destroy();
  }
  if (signal.aborted && reader.wantsMore) throw signal.reason;
  if (decodeError !== null && reader.wantsMore) throw decodeError;
}
